"""Template helpers: navigation by role, money formatting, proposal references."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user

from fund.accounts.models import Role
from fund.money import format_usd
from fund.proposals.models import proposal_reference

SIGNED_IN = frozenset({"*signed-in*"})  # shown to every signed-in user, whatever the role

# (endpoint, label, roles that see it; empty = everyone signed in or not)
NAVIGATION: list[tuple[str, str, frozenset[str]]] = [
    ("core.index", "Home", frozenset()),
    ("reference.objectives", "GCM objectives", frozenset()),
    ("reference.principles", "Guiding principles", frozenset()),
    ("calls.index", "Calls", frozenset({Role.APPLICANT, Role.SECRETARIAT})),
    ("proposals.index", "Proposals", frozenset({Role.APPLICANT, Role.SECRETARIAT, Role.COMMITTEE})),
    ("proposals.workflow", "Workflow", frozenset()),
    ("screening.queue", "Screening", frozenset({Role.SECRETARIAT})),
    ("committee.index", "Committee", frozenset({Role.COMMITTEE, Role.SECRETARIAT})),
    ("pipeline.index", "Pipeline", frozenset({Role.COMMITTEE, Role.SECRETARIAT})),
    ("seats.index", "Committee seats", frozenset({Role.ADMIN})),
    (
        "finance.balance",
        "Finances",
        frozenset({Role.SECRETARIAT, Role.ADMINISTRATIVE_AGENT}),
    ),
    (
        "reporting.index",
        "Programme reports",
        frozenset({Role.APPLICANT, Role.SECRETARIAT, Role.ADMINISTRATIVE_AGENT}),
    ),
    ("revisions.index", "Revisions", frozenset({Role.SECRETARIAT})),
    ("coverage.dashboard", "Coverage", frozenset()),
    ("results.framework", "Results", frozenset({Role.SECRETARIAT, Role.COMMITTEE})),
    ("reports.index", "Reports", frozenset({Role.SECRETARIAT})),
    ("reports.open_data", "Open data", frozenset()),
    ("audit.log", "Audit log", frozenset({Role.SECRETARIAT, Role.ADMIN})),
    ("admin.users", "Users", frozenset({Role.ADMIN})),
    ("admin.organizations", "Organizations", frozenset({Role.ADMIN})),
    ("notifications.index", "Notifications", SIGNED_IN),
]


def navigation_for(user) -> list[tuple[str, str]]:
    roles = user.roles if user.is_authenticated else frozenset()
    if user.is_authenticated:
        roles = roles | SIGNED_IN
    return [
        (endpoint, label)
        for endpoint, label, allowed in NAVIGATION
        if endpoint in current_app.view_functions and (not allowed or roles & allowed)
    ]


def reference(proposal_or_id) -> str:
    """`{{ proposal|reference }}` or `{{ proposal_id|reference }}`: P-00042."""
    proposal_id = getattr(proposal_or_id, "id", proposal_or_id)
    return proposal_reference(int(proposal_id))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_usd
    app.jinja_env.filters["reference"] = reference

    @app.context_processor
    def layout_context():
        from fund.notifications.queries import UnreadCount

        return {
            "navigation": navigation_for(current_user),
            "current_endpoint": request.endpoint,
            "fund_name": app.config["FUND_NAME"],
            "decision_body": app.config["DECISION_BODY_NAME"],
            "role_labels": Role.labels(),
            "unread_notifications": UnreadCount(current_user),
        }
