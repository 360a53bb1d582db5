"""What a message says: subjects and bodies from the templates in templates/mail/, with
absolute links built from FUND_BASE_URL (never from the request's Host header)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from jinja2 import Environment, StrictUndefined, select_autoescape

from config import DEVELOPMENT_BASE_URL
from fund.accounts.models import User
from fund.notifications.models import KINDS
from fund.proposals.models import Proposal

# Links ----------------------------------------------------------------------------------


def base_url() -> str:
    """The site's address for absolute links (emails): FUND_BASE_URL, never the Host header
    of the current request, which the sender of the request chooses."""
    return (current_app.config.get("FUND_BASE_URL") or DEVELOPMENT_BASE_URL).rstrip("/")


def path_for(endpoint: str, **values: Any) -> str:
    """The path of a page inside the site, built without a request (CLI commands too)."""
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return adapter.build(endpoint, values)


def first_path(*candidates: tuple[str, dict[str, Any]]) -> str:
    """The path of the first page that exists (the committee's pages, else the proposal's)."""
    for endpoint, values in candidates:
        if endpoint in current_app.view_functions:
            return path_for(endpoint, **values)
    raise LookupError(f"none of {[c[0] for c in candidates]} is a page")


def proposal_page(proposal_id: int, committee: bool = False) -> str:
    """The proposal's page: the committee's review page for the committee when it exists."""
    values = {"proposal_id": proposal_id}
    if committee:
        return first_path(("committee.review", values), ("proposals.detail", values))
    return path_for("proposals.detail", **values)


def absolute(path: str) -> str:
    return base_url() + path


# Rendering ------------------------------------------------------------------------------


def mail_environment(app: Flask) -> Environment:
    """Jinja for mail bodies: the app's templates folder, autoescaping only HTML, and
    trimmed blocks so that plain-text templates read naturally."""
    env = app.extensions.get("fund_mail_jinja")
    if env is None:
        env = Environment(
            loader=app.jinja_loader,
            autoescape=select_autoescape(["html"], default_for_string=False),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        env.filters.update(app.jinja_env.filters)
        app.extensions["fund_mail_jinja"] = env
    return env


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    summary: str  # the message without greeting and footer, for the in-app list


def render(kind: str, title: str, context: Mapping[str, Any], recipient: User) -> Rendered:
    env = mail_environment(current_app)
    proposal = context.get("proposal")
    values = {
        # What a message about a proposal calls it (a concept note is not a proposal).
        "noun": "concept note" if getattr(proposal, "is_concept_note", False) else "proposal",
        **context,
        "title": title,
        "recipient": recipient,
        "fund_name": current_app.config["FUND_NAME"],
        "decision_body": current_app.config["DECISION_BODY_NAME"],
        "preferences_url": absolute(path_for("notifications.preferences")),
        "notifications_url": absolute(path_for("notifications.index")),
        "mandatory": KINDS[kind].mandatory if kind in KINDS else False,
    }
    text_template = env.get_template(f"mail/{kind}.txt")
    summary = "".join(text_template.blocks["body"](text_template.new_context(values))).strip()
    return Rendered(
        subject=f"{title}",
        text=text_template.render(values),
        html=env.get_template(f"mail/{kind}.html").render(values),
        summary=summary,
    )


def proposal_context(proposal: Proposal) -> dict[str, Any]:
    """What every message about a proposal names."""
    return {
        "proposal": proposal,
        "reference": proposal.reference,
        "organization": proposal.organization.acronym or proposal.organization.name,
    }
