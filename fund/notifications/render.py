"""What a message says: subjects and bodies from the templates in templates/mail/, with
absolute links built from FUND_BASE_URL (never from the request's Host header), written in the
recipient's language (their preference, else English): `in_language_of`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale, get_translations, gettext
from jinja2 import Environment, StrictUndefined, select_autoescape

from config import DEVELOPMENT_BASE_URL
from fund.accounts.models import User
from fund.days import DAY, SHORT_DAY, written
from fund.i18n import DEFAULT, chosen, current_language, direction
from fund.labels import N_
from fund.notifications.models import KINDS
from fund.proposals.models import Proposal
from fund.sentences import separator

# What only the plain-text emails say: the catalogs are extracted from the code and the .html
# templates, and these texts of the .txt templates are not in the .html ones.
PLAIN_TEXT_ONLY = (N_("The %(noun)s"), N_("The proposal"))

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


# The recipient's language -----------------------------------------------------------------


def language_of(user: User | None) -> str:
    """The language a user's messages are written in: their preference, else English."""
    return chosen(getattr(user, "language", None)) or DEFAULT


@contextmanager
def in_language_of(user: User | None) -> Iterator[None]:
    """Within it, the texts marked for translation (gettext, lazy texts turned into strings,
    the mail templates) read in `user`'s language."""
    with force_locale(language_of(user)):
        yield


def day(value: date | datetime) -> str:
    """A day in words in the current language: "5 March 2026", "5 mars 2026",
    "5 de marzo de 2026" (`fund.days`)."""
    return written(value, DAY)


def short_day(value: date | datetime) -> str:
    """A day with its month shortened, in the current language: "5 Mar 2026", "5 mars 2026"."""
    return written(value, SHORT_DAY)


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
            extensions=["jinja2.ext.i18n"],
        )
        # The texts marked in the templates, in the language of the message being written.
        env.install_gettext_callables(  # type: ignore[attr-defined]
            lambda text: get_translations().ugettext(text),
            lambda singular, plural, n: get_translations().ungettext(singular, plural, n),
            newstyle=True,
        )
        env.filters.update(app.jinja_env.filters)
        env.filters["day"] = day
        env.filters["short_day"] = short_day
        env.globals["language"] = current_language
        env.globals["direction"] = direction
        env.globals["separator"] = separator
        app.extensions["fund_mail_jinja"] = env
    return env


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    summary: str  # the message without greeting and footer, for the in-app list


def render(kind: str, title: Any, context: Mapping[str, Any], recipient: User) -> Rendered:
    """The message of `kind` to `recipient`, in their language: `title` (a text, or a lazy
    text translated now) is its subject."""
    with in_language_of(recipient):
        env = mail_environment(current_app)
        proposal = context.get("proposal")
        title = str(title)
        values = {
            # What a message about a proposal calls it (a concept note is not a proposal).
            "noun": gettext("concept note")
            if getattr(proposal, "is_concept_note", False)
            else gettext("proposal"),
            **context,
            "title": title,
            "recipient": recipient,
            "fund_name": current_app.config["FUND_NAME"],
            "decision_body": _setting_text(current_app.config["DECISION_BODY_NAME"]),
            "preferences_url": absolute(path_for("notifications.preferences")),
            "notifications_url": absolute(path_for("notifications.index")),
            "mandatory": KINDS[kind].mandatory if kind in KINDS else False,
        }
        message = KINDS[kind].message if kind in KINDS else kind
        text_template = env.get_template(f"mail/{message}.txt")
        summary = "".join(text_template.blocks["body"](text_template.new_context(values))).strip()
        return Rendered(
            subject=title,
            text=text_template.render(values),
            html=env.get_template(f"mail/{message}.html").render(values),
            summary=summary,
        )


def _setting_text(text: str) -> str:
    """A setting's text in the message's language when it is one the catalogs hold (its
    default), else as it is written (gettext("") would be the catalog's header)."""
    return gettext(text) if text else text


def proposal_context(proposal: Proposal) -> dict[str, Any]:
    """What every message about a proposal names."""
    return {
        "proposal": proposal,
        "reference": proposal.reference,
        "organization": proposal.organization.label,
    }
