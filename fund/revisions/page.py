"""What the revision pages show and read: the request form's values as typed (budget rows,
chosen organizations), its errors at their fields, the routing and its reasons, the comparison
of the programme now with what the revision asks, and the revision's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from fund.accounts.models import Organization, OrganizationKind, Role
from fund.audit.models import AuditEvent
from fund.extensions import db
from fund.i18n import from_kept, money, when
from fund.labels import N_
from fund.money import AmountError, parse_amount, typed_amount
from fund.proposals.models import Proposal
from fund.proposals.presentation import Item, ShownChange, reference_names, shown_changes
from fund.proposals.snapshots import diff_snapshots
from fund.reference.models import BudgetCategory, GcmObjective
from fund.reference.queries import category_titles
from fund.revisions import rules
from fund.revisions.models import Revision
from fund.revisions.operations import (
    NEW_END_DATE_NEEDED,
    OUTSIDE_YEARS,
    LineValues,
    RevisionRefused,
    RevisionValues,
    change_of,
    revised_years,
    routing,
)
from fund.revisions.workflow import programme_end, revises
from fund.sentences import Sentence, listed, said
from workflows import FUNDED_STATES

BLANK_ROWS = 3
# What each event of a revision's history says.
ACTIONS_DONE = {
    "revision_started": N_("Started"),
    "revision_saved": N_("Saved"),
    "revision_submitted": N_("Submitted"),
    "revision_withdrawn": N_("Withdrawn"),
    "revision_approved": N_("Approved"),
    "revision_returned": N_("Returned for changes"),
    "revision_rejected": N_("Rejected"),
    "revision_forwarded": N_("Forwarded to the committee"),
}
MAX_ROWS = 200
KINDS = ("extension", "budget", "scope", "participants")


@dataclass
class RevisionPage:
    revision: Revision
    proposal: Proposal
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    rows: int = 0

    def row(self, index: int, name: str) -> str:
        return str(self.values.get(f"line-{index}-{name}", ""))


def _line_values(page: RevisionPage, lines: list[Any]) -> None:
    for index, line in enumerate(lines):
        page.values |= {
            f"line-{index}-organization": str(line.organization_id),
            f"line-{index}-objective": str(line.objective_number),
            f"line-{index}-category": str(line.category_code),
            f"line-{index}-year": str(getattr(line, "year", 1) or 1),
            f"line-{index}-amount": typed_amount(line.amount),
            f"line-{index}-description": line.description or "",
        }
    page.rows = len(lines) + BLANK_ROWS


def load(revision: Revision) -> RevisionPage:
    """The stored revision as the form shows it (the programme's current budget, summary and
    organizations where the revision does not change them)."""
    proposal = db.session.get(Proposal, revision.proposal_id)
    page = RevisionPage(revision, proposal)
    page.values = {
        "justification": revision.justification,
        "new_end_date": revision.new_end_date.isoformat() if revision.new_end_date else "",
        "new_summary": revision.new_summary
        if revision.new_summary is not None
        else proposal.summary,
        "participants": [
            o.id
            for o in (
                revision.participants if revision.changes_participants else proposal.participants
            )
        ],
        "kind": {
            kind
            for kind, chosen in (
                ("extension", revision.new_end_date is not None),
                ("budget", revision.changes_budget),
                ("scope", revision.new_summary is not None),
                ("participants", revision.changes_participants),
            )
            if chosen
        },
    }
    _line_values(page, revision.budget_lines if revision.changes_budget else proposal.budget_lines)
    return page


# What a budget row without one of its choices is told.
_CHOOSE = {
    "organization": lambda: _("Choose the line's organization."),
    "objective": lambda: _("Choose the line's objective."),
    "category": lambda: _("Choose the line's category."),
}


def _int(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 9 else None


def read(page: RevisionPage, form: Any) -> RevisionValues:
    """The typed values, kept on the page as typed; problems in `page.errors`."""
    kinds = set(form.getlist("kind")) & set(KINDS)
    typed_rows = (form.get("rows") or "").strip()
    counted = typed_rows.isascii() and typed_rows.isdigit()
    rows = min(int(typed_rows[:9]), MAX_ROWS) if counted else BLANK_ROWS
    page.values = {
        "justification": (form.get("justification") or "")[:10000],
        "new_end_date": (form.get("new_end_date") or "").strip()[:20],
        "new_summary": (form.get("new_summary") or "")[:10000],
        "participants": [i for i in (_int(v) for v in form.getlist("participants")) if i],
        "kind": kinds,
    }
    values = RevisionValues(
        justification=page.values["justification"],
        extension="extension" in kinds,
        budget="budget" in kinds,
        scope="scope" in kinds,
        new_summary=page.values["new_summary"],
        participants="participants" in kinds,
        participant_ids=page.values["participants"],
    )
    if values.extension:
        try:
            values.new_end_date = date.fromisoformat(page.values["new_end_date"])
        except ValueError:
            page.errors["new_end_date"] = _(NEW_END_DATE_NEEDED)
    lines, typed_years = [], {}
    for index in range(rows):
        typed = {
            name: (form.get(f"line-{index}-{name}") or "").strip()[:300]
            for name in ("organization", "objective", "category", "year", "amount", "description")
        }
        page.values |= {f"line-{index}-{name}": value for name, value in typed.items()}
        if not any(typed[name] for name in ("organization", "objective", "category", "amount")):
            continue
        numbers = {name: _int(typed[name]) for name in ("organization", "objective", "category")}
        year = _int(typed["year"]) if typed["year"] else 1
        for name, number in numbers.items():
            if not number:
                page.errors[f"line-{index}-{name}"] = _CHOOSE[name]()
        if not year:
            page.errors[f"line-{index}-year"] = _("The programme year is a whole number: 1, 2, ...")
        try:
            amount = parse_amount(typed["amount"])
            if amount < 0:
                raise AmountError(N_("An amount is never below zero."))
        except AmountError as error:
            page.errors[f"line-{index}-amount"] = error.said()
            continue
        if all(numbers.values()) and year:
            typed_years[index] = year
            lines.append(
                LineValues(
                    numbers["organization"],
                    numbers["objective"],
                    numbers["category"],
                    amount,
                    year,
                    typed["description"],
                )
            )
    values.lines = lines
    page.rows = rows
    if values.budget and "new_end_date" not in page.errors:
        _check_years(page, values, typed_years)
    return values


def _check_years(page: RevisionPage, values: RevisionValues, typed_years: dict[int, int]) -> None:
    """An error at the year of each budget row outside the programme's years with the revised
    dates (none while the new end date is refused: saving says why)."""
    try:
        years = revised_years(page.proposal, values)
    except RevisionRefused:
        return
    for index, year in typed_years.items():
        if not 1 <= year <= years:
            page.errors[f"line-{index}-year"] = said(Sentence(OUTSIDE_YEARS, years=years))


# What the pages show --------------------------------------------------------------------------


def choices() -> dict[str, Any]:
    return {
        "organizations": db.session.scalars(
            select(Organization)
            .where(Organization.kind == OrganizationKind.UN_ENTITY, Organization.active)
            .order_by(Organization.acronym)
        ).all(),
        "objectives": db.session.scalars(select(GcmObjective).order_by(GcmObjective.number)).all(),
        "categories": db.session.scalars(
            select(BudgetCategory).where(~BudgetCategory.computed).order_by(BudgetCategory.code)
        ).all(),
    }


def _compared(label: str, now: str, asked: str) -> ShownChange:
    return ShownChange(label, [Item(now)], [Item(asked)])


def _by_organization_and_year(lines: Any) -> dict[tuple[str, int], Decimal]:
    totals: dict[tuple[str, int], Decimal] = {}
    for line in lines:
        key = (line.organization.label, line.year or 1)
        totals[key] = totals.get(key, Decimal("0")) + (line.amount or Decimal("0"))
    return totals


def _line_snapshot(lines: Any) -> list[dict[str, Any]]:
    """Budget lines as a version's snapshot stores them (`fund.proposals.snapshots`)."""
    return [
        {
            "organization": line.organization.label,
            "objective": line.objective_number,
            "category": line.category_code,
            "amount": format(line.amount, "f") if line.amount is not None else None,
            "description": line.description,
            "year": line.year or 1,
        }
        for line in lines
    ]


def budget_changes(revision: Revision, proposal: Proposal) -> list[ShownChange]:
    """What a budget reallocation moves: the direct costs of each organization and programme
    year that differ, now and asked, then the budget lines that differ, compared as a version's
    "What changed" compares them (`fund.proposals.presentation.shown_changes`)."""
    before = _by_organization_and_year(proposal.budget_lines)
    after = _by_organization_and_year(revision.budget_lines)
    rows = [
        _compared(
            _("%(organization)s, year %(year)s", organization=organization, year=year),
            money(before.get((organization, year), Decimal("0"))),
            money(after.get((organization, year), Decimal("0"))),
        )
        for organization, year in sorted(set(before) | set(after))
        if before.get((organization, year), 0) != after.get((organization, year), 0)
    ]
    old = {"budget_lines": _line_snapshot(proposal.budget_lines)}
    new = {"budget_lines": _line_snapshot(revision.budget_lines)}
    for change in shown_changes(diff_snapshots(old, new), old, new, reference_names()):
        removed = [item for item in change.before if item.marked]
        added = [item for item in change.after if item.marked]
        if removed or added:
            rows.append(ShownChange(change.label, removed, added))
    return rows


def compared(revision: Revision, proposal: Proposal) -> list[ShownChange]:
    """The programme now against what the revision asks, part by part (for a revision not yet
    applied; an applied one links to the version it made): a budget reallocation by
    organization and year, by category, line by line and in total."""
    rows = []
    _start, end = programme_end(proposal)
    if revision.new_end_date is not None:
        rows.append(_compared(N_("End date"), when(end), when(revision.new_end_date)))
    change = change_of(revision, proposal)
    if change.categories_after is not None:
        rows += budget_changes(revision, proposal)
        titles = category_titles()
        for code in sorted(set(change.categories_before) | set(change.categories_after)):
            before = change.categories_before.get(code, Decimal("0"))
            after = change.categories_after.get(code, Decimal("0"))
            if before != after:
                rows.append(
                    _compared(f"{code}. {titles.get(code, '')}", money(before), money(after))
                )
        rows.append(
            _compared(
                N_("Direct costs in total"),
                money(change.total_before),
                money(change.total_after),
            )
        )
    if revision.new_summary is not None:
        rows.append(_compared(N_("Summary (scope)"), proposal.summary, revision.new_summary))
    if change.participants_after is not None:
        rows.append(
            _compared(
                N_("Participating organizations"),
                listed(sorted(change.participants_before)),
                listed(sorted(change.participants_after)),
            )
        )
    return rows


def preview(revision: Revision, proposal: Proposal) -> rules.Routing | None:
    """Who would approve the revision as it stands (before it is submitted)."""
    if not revision.kinds:
        return None
    return routing(revision, proposal)


def decided_by(revision: Revision) -> str:
    """Who approves the submitted revision and why, in the page's language (the reasons as
    recorded, in English, for a revision submitted before they were kept as sentences)."""
    reasons = revision.reasons_kept or revision.reasons or []
    return said(rules.routing_sentence(revision.approver, [from_kept(r) for r in reasons]))


def rounds(revision: Revision) -> list[Any]:
    """The committee's voting rounds about the revision, in their order."""
    from fund.committee.models import VotingRound

    return db.session.scalars(
        select(VotingRound).where(VotingRound.revision_id == revision.id).order_by(VotingRound.id)
    ).all()


def history(revision: Revision) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "revision", AuditEvent.subject_id == str(revision.id))
        .order_by(AuditEvent.id)
    ).all()


def programme_link(user: Any, proposal: Proposal) -> list[tuple[str, str]]:
    """The link from a funded programme's page to its revisions, for the secretariat and the
    applicants of its organization (those who see the page)."""
    if proposal.status not in FUNDED_STATES or proposal.is_concept_note:
        return []
    sees = user.has_role(Role.SECRETARIAT) or (
        user.has_role(Role.APPLICANT) and user.organization_id == proposal.organization_id
    )
    if not sees:
        return []
    return [
        (url_for("revisions.programme", proposal_id=proposal.id), _("The programme's revisions"))
    ]


__all__ = ["RevisionPage", "load", "read", "revises"]
