"""What a report's page shows and reads from its form: the programme's results framework
(outcomes, their indicators with the year's target) for a narrative report; the participating
organizations (what was transferred, spent in the other reports; which of them the viewer fills:
their own organization's only) and the UNSDG categories for a financial report. A fixed number of
statements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund.accounts.models import Organization, Role
from fund.extensions import db
from fund.finance.models import Allocation, AllocationShare
from fund.i18n import labelled
from fund.money import (
    AmountError,
    NumberError,
    parse_amount,
    read_amount,
    read_decimal,
    typed_amount,
    typed_decimal,
)
from fund.proposals.models import Proposal
from fund.proposals.results import (
    VALUE_DECIMALS,
    VALUE_DIGITS,
    VALUE_LIMIT,
    VALUE_PLACES,
    ResultIndicator,
    ResultOutcome,
    is_mgi_score,
    unit_refusal,
)
from fund.proposals.results_versions import quantity
from fund.reference.models import BudgetCategory
from fund.reporting.models import ProgrammeReport
from fund.reporting.operations import CATEGORIES, spent_elsewhere
from fund.sentences import said
from workflows import FUNDED_STATES


@dataclass
class Participant:
    organization: Organization
    transferred: Decimal
    spent_before: Decimal


@dataclass
class ReportPage:
    report: ProgrammeReport
    outcomes: list[ResultOutcome] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)
    categories: list[BudgetCategory] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # the form's fields, as typed
    errors: dict[str, str] = field(default_factory=dict)
    own: int | None = None  # the organization whose expenditure the viewer fills
    stored: dict[str, str] = field(default_factory=dict)  # the lines as saved

    def target(self, indicator: ResultIndicator) -> Decimal | None:
        return next((t.value for t in indicator.targets if t.year == self.report.year), None)

    def target_text(self, indicator: ResultIndicator) -> str | None:
        """The year's target in the indicator's unit ("1 month", "1,500 people")."""
        return quantity(self.target(indicator), indicator.unit or "")

    def indicator_name(self, indicator: ResultIndicator) -> str:
        """The indicator with its unit in brackets, once: not when its definition already says
        it ("… (MGI score: 0 absent, 1 partial, 2 complete)")."""
        unit = " ".join((indicator.unit or "").split())
        if not unit or unit.casefold() in indicator.definition.casefold():
            return indicator.definition
        return f"{indicator.definition} ({unit})"

    def scored(self, indicator: ResultIndicator) -> bool:
        """The indicator is an MGI score (0, 1 or 2), which its field's hint says."""
        return is_mgi_score(indicator.unit)

    def fills(self, participant: Participant) -> bool:
        return participant.organization.id == self.own

    def amount(self, participant: Participant, category: BudgetCategory) -> Decimal | None:
        """A line as saved (shown for the lines the viewer does not fill); None: not entered."""
        saved = self.stored.get(f"e-{participant.organization.id}-{category.code}")
        return None if saved is None else Decimal(saved)

    def organization_name(self, organization_id: int | None) -> str:
        """A participating organization's acronym (or name), read from the page's rows."""
        named = next(
            (p.organization for p in self.participants if p.organization.id == organization_id),
            None,
        )
        return named.label if named else "the lead organization"


def load(report: ProgrammeReport, viewer: object = None) -> ReportPage:
    """The page of `report` as `viewer` sees it (the organization whose lines they fill)."""
    page = ReportPage(report, own=getattr(viewer, "organization_id", None))
    if report.is_narrative:
        page.outcomes = list(
            db.session.scalars(
                select(ResultOutcome)
                .where(ResultOutcome.proposal_id == report.proposal_id)
                .order_by(ResultOutcome.position, ResultOutcome.id)
                .options(
                    selectinload(ResultOutcome.indicators).selectinload(ResultIndicator.targets)
                )
            )
        )
        # Put back in the fields as the page types decimals ("12,5" in French).
        page.values = {f"actual-{a.indicator_id}": typed_decimal(a.value) for a in report.actuals}
        page.values |= {f"narrative-{n.outcome_id}": n.text for n in report.narratives}
        page.values["risks"] = report.risks
        return page
    allocation_id = db.session.scalar(
        select(Allocation.id).where(Allocation.proposal_id == report.proposal_id)
    )
    before = spent_elsewhere(allocation_id, report.id) if allocation_id else {}
    shares = db.session.execute(
        select(AllocationShare, Organization)
        .join(Organization, Organization.id == AllocationShare.organization_id)
        .where(AllocationShare.allocation_id == allocation_id)
        .order_by(Organization.acronym, Organization.id)
    ).all()
    page.participants = [
        Participant(org, read_amount(share.disbursed), before.get(org.id, Decimal("0.00")))
        for share, org in shares
    ]
    page.categories = list(db.session.scalars(select(BudgetCategory).order_by(BudgetCategory.code)))
    page.stored = {
        f"e-{line.organization_id}-{line.category_code}": f"{read_amount(line.amount):.2f}"
        for line in report.expenditures
    }
    # Put back in the fields as the page types amounts ("97 370,00" in French).
    page.values = {name: typed_amount(Decimal(saved)) for name, saved in page.stored.items()}
    return page


def holds_content(page: ReportPage, form: Mapping[str, str]) -> bool:
    """The form sent holds fields of the report's content that the viewer fills (the report's
    own form does; a form of its submit button alone does not)."""
    if page.report.is_narrative:
        names = {"risks"} | {f"narrative-{o.id}" for o in page.outcomes}
        names |= {f"actual-{i.id}" for o in page.outcomes for i in o.indicators}
    else:
        names = {
            f"e-{p.organization.id}-{code}"
            for p in page.participants
            if page.fills(p)
            for code in CATEGORIES
        }
    return any(name in form for name in names)


def read_narrative(
    page: ReportPage, form: Mapping[str, str]
) -> tuple[dict[int, Decimal | None], dict[int, str], str]:
    """The actuals, narratives and risks typed; errors (and what was typed) on the page."""
    actuals: dict[int, Decimal | None] = {}
    narratives: dict[int, str] = {}
    for outcome in page.outcomes:
        key = f"narrative-{outcome.id}"
        narratives[outcome.id] = page.values[key] = (form.get(key) or "")[:20000]
        for indicator in outcome.indicators:
            key = f"actual-{indicator.id}"
            typed = page.values[key] = (form.get(key) or "").strip()[:40]
            if not typed:
                actuals[indicator.id] = None
                continue
            value, problem = read_actual(indicator, typed)
            if problem:
                page.errors[key] = labelled(page.indicator_name(indicator), problem)
                continue
            actuals[indicator.id] = value
    risks = page.values["risks"] = (form.get("risks") or "")[:20000]
    return actuals, narratives, risks


def read_actual(indicator: ResultIndicator, typed: str) -> tuple[Decimal | None, str | None]:
    """`typed` as an actual of `indicator`, or why it is not one: not a number as the page's
    language writes decimals or in the plain form (`fund.money.read_decimal`), more digits
    before the point or more decimals than a value holds (`VALUE`, never rounded), or a value
    its unit does not allow (an MGI score is 0, 1 or 2)."""
    try:
        value = read_decimal(typed)
    except NumberError as error:
        return None, error.said()
    if abs(value) >= VALUE_LIMIT:
        return None, _(
            "“%(typed)s” is too large: a value has at most %(digits)s digits before the point.",
            typed=typed,
            digits=VALUE_DIGITS,
        )
    if value != value.quantize(VALUE_PLACES):
        return None, _(
            "“%(typed)s” has too many decimals: a value has at most %(places)s.",
            typed=typed,
            places=VALUE_DECIMALS,
        )
    if (refused := unit_refusal(indicator.unit, value, typed)) is not None:
        return None, said(refused)
    return value, None


def read_financial(
    page: ReportPage, form: Mapping[str, str]
) -> dict[tuple[int, int], Decimal | None]:
    """The lines typed: every line of the viewer's organization (blank: not entered), and any
    other organization's line the form holds (which the operation refuses when it differs)."""
    lines: dict[tuple[int, int], Decimal | None] = {}
    for participant in page.participants:
        for code in CATEGORIES:
            key = f"e-{participant.organization.id}-{code}"
            if not page.fills(participant) and key not in form:
                continue
            typed = page.values[key] = (form.get(key) or "").strip()[:40]
            if not typed:
                lines[(participant.organization.id, code)] = None
                continue
            try:
                amount = parse_amount(typed)
            except AmountError as error:
                page.errors[key] = error.said()
                continue
            if amount < 0:
                page.errors[key] = _("An expenditure is never below zero.")
                continue
            lines[(participant.organization.id, code)] = amount
    return lines


def programme_link(user, proposal: Proposal) -> list[tuple[str, str]]:
    """The link from a funded (or closed) programme's page to its reports, for the secretariat,
    the committee and the applicants of its organization (those who see the page); no
    statement."""
    if proposal.status not in FUNDED_STATES or proposal.is_concept_note:
        return []
    sees = (
        user.has_role(Role.SECRETARIAT)
        or user.has_role(Role.COMMITTEE)
        or (user.has_role(Role.APPLICANT) and user.organization_id == proposal.organization_id)
    )
    if not sees:
        return []
    return [(url_for("reporting.programme", proposal_id=proposal.id), _("The programme's reports"))]
