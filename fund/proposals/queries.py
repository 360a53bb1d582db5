"""Read models for the proposal pages, each in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from fund.accounts.models import Organization, Role, User
from fund.calls.models import Call
from fund.changes import LISTING, kept_under
from fund.dialects import cents_sum
from fund.extensions import db
from fund.fulltext import matching
from fund.kept import KeptByKey
from fund.labels import N_
from fund.listing import DESCENDING, Sorting, column
from fund.money import from_cents
from fund.pagination import PER_PAGE, Page, paging
from fund.proposals.access import COMMITTEE_VISIBLE
from fund.proposals.models import (
    Attachment,
    BudgetLine,
    IndicativeTotal,
    Proposal,
    ProposalPrinciple,
    ProposalVersion,
    proposal_countries,
    proposal_secondary_objectives,
)
from fund.proposals.results_queries import FRAMEWORK
from fund.reference.models import Country, GcmObjective
from workflows import PROPOSAL_WORKFLOW
from workflows.concept_note import CONCEPT_NOTE_WORKFLOW


@dataclass(frozen=True)
class ProposalFilters:
    status: str = ""
    call_id: int | None = None
    q: str = ""  # words of the title or summary (full-text search: fund.fulltext)
    kind: str = ""  # a kind of row (proposal, concept_note), or "" for both
    organization_id: int | None = None  # the proposing organization
    country: str = ""  # a country of the programme (ISO 3166 alpha-2)
    objective: int | None = None  # a GCM objective, primary or secondary

    def args(self) -> dict[str, object]:
        """The filters as query-string arguments (None for those not set)."""
        return {
            "q": self.q or None,
            "status": self.status or None,
            "kind": self.kind or None,
            "call": self.call_id,
            "organization": self.organization_id,
            "country": self.country or None,
            "objective": self.objective,
        }


# The states the lists filter by: the proposal's, then those only a concept note has.
STATUS_CHOICES: dict[str, str] = {
    **{s: PROPOSAL_WORKFLOW.state_label(s) for s in PROPOSAL_WORKFLOW.states},
    **{
        s: CONCEPT_NOTE_WORKFLOW.state_label(s)
        for s in CONCEPT_NOTE_WORKFLOW.states
        if s not in PROPOSAL_WORKFLOW.states
    },
}


# One page of a proposal list: rows of (proposal, its organization, its call, its totals).
ProposalPage = Page[Any]


@dataclass(frozen=True)
class _Audience:
    """What decides which proposals a person sees: the secretariat sees every one, an
    applicant their organization's, a committee member those before the committee or after
    it (`COMMITTEE_VISIBLE`); nobody else any. The kept values of the lists are keyed by it."""

    everything: bool
    organization_id: int | None
    committee: bool

    @classmethod
    def of(cls, user: User) -> _Audience:
        applicant = user.has_role(Role.APPLICANT) and user.organization_id
        return cls(
            user.has_role(Role.SECRETARIAT),
            user.organization_id if applicant else None,
            user.has_role(Role.COMMITTEE),
        )

    @property
    def own_only(self) -> bool:
        """Whether they see only their organization's proposals."""
        return not self.everything and not self.committee and self.organization_id is not None

    @property
    def heading(self) -> str:
        """The list's title, saying what it holds for them."""
        if self.everything:
            return N_("All proposals")
        if self.organization_id is not None and self.committee:
            return N_("Your organization's proposals, and those under review and decided")
        if self.organization_id is not None:
            return N_("Your organization's proposals")
        return N_("Proposals under review and decided")


def sees_only_own(user: User) -> bool:
    """Whether the proposals list shows `user` their organization's proposals only."""
    return _Audience.of(user).own_only


def list_heading(user: User) -> str:
    """The proposals list's title for `user`, by the rule of what it lists (`_Audience`)."""
    return _Audience.of(user).heading


def _visible_to(query: Select, user: User) -> Select:
    audience = _Audience.of(user)
    if audience.everything:
        return query
    conditions = []
    if audience.organization_id is not None:
        conditions.append(Proposal.organization_id == audience.organization_id)
    if audience.committee:
        conditions.append(Proposal.status.in_(COMMITTEE_VISIBLE))
    return query.where(or_(*conditions)) if conditions else query.where(False)


def visible_ids(user: User, ids: set[int]) -> set[int]:
    """Those of the proposals `ids` that exist and `user` may see (`can_view`, in SQL); one
    statement."""
    if not ids:
        return set()
    return set(
        db.session.scalars(_visible_to(select(Proposal.id).where(Proposal.id.in_(ids)), user))
    )


_ORGANIZATION_NAME = (
    select(func.lower(Organization.label))
    .where(Organization.id == Proposal.organization_id)
    .correlate(Proposal)
    .scalar_subquery()
)
_CALL_TITLE = (
    select(func.lower(Call.title)).where(Call.id == Proposal.call_id).correlate(Proposal)
).scalar_subquery()
# The columns the list sorts by; the default: the latest change first.
SORT_COLUMNS = {
    "reference": column(N_("Reference"), Proposal.id),
    "kind": column(N_("Kind"), Proposal.kind),
    "title": column(N_("Title"), func.lower(Proposal.title)),
    "organization": column(N_("Organization"), _ORGANIZATION_NAME),
    "call": column(N_("Call"), _CALL_TITLE),
    # In the order of the workflow (draft, submitted, ...), not of the codes' letters.
    "status": column(
        N_("Status"), case({s: i for i, s in enumerate(STATUS_CHOICES)}, value=Proposal.status)
    ),
    "updated": column(N_("Last change"), Proposal.updated_at, first=DESCENDING),
}
DEFAULT_SORT = ("updated", DESCENDING)


def _filtered(user: User, filters: ProposalFilters) -> Select:
    query = _visible_to(select(Proposal), user)
    if filters.status:
        query = query.where(Proposal.status == filters.status)
    if filters.kind:
        query = query.where(Proposal.kind == filters.kind)
    if filters.call_id:
        query = query.where(Proposal.call_id == filters.call_id)
    if filters.organization_id:
        query = query.where(Proposal.organization_id == filters.organization_id)
    if filters.country:
        query = query.where(
            Proposal.id.in_(
                select(proposal_countries.c.proposal_id).where(
                    proposal_countries.c.country_iso2 == filters.country
                )
            )
        )
    if filters.objective:
        secondary = select(proposal_secondary_objectives.c.proposal_id).where(
            proposal_secondary_objectives.c.objective_number == filters.objective
        )
        query = query.where(
            or_(
                Proposal.primary_objective_number == filters.objective,
                Proposal.id.in_(secondary),
            )
        )
    if (condition := matching(Proposal.id, Proposal.search_text, filters.q)) is not None:
        query = query.where(condition)
    return query


def filtered_for(user: User, filters: ProposalFilters) -> Select:
    """The proposals `user` may see (as on the list page) that pass `filters`, unordered."""
    return _filtered(user, filters)


def _ordered(query: Select, sorting: Sorting | None) -> Select:
    if sorting is None:
        return query.order_by(Proposal.updated_at.desc(), Proposal.id.desc())
    return query.order_by(*sorting.order_by(Proposal.id))


_KEPT: KeptByKey[Any] = KeptByKey(512)


def _total(user: User, filters: ProposalFilters, query: Select) -> int:
    """How many proposals `query` (the list's, `filters` applied) finds. Without a filter or
    with the status's alone, the total is kept under the `listing` counter (the proposals'
    status and organization, `fund.changes`): a count over every proposal at each request
    otherwise."""

    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    if replace(filters, status="") != ProposalFilters():
        return count()
    return kept_under(LISTING, _KEPT, ("total", _Audience.of(user), filters.status), count)


def list_proposals(
    user: User,
    filters: ProposalFilters,
    page: int = 1,
    per_page: int = PER_PAGE,
    sorting: Sorting | None = None,
) -> ProposalPage:
    """Proposals the user may see that pass the filters, in `sorting`'s order (by default
    the latest change first), in two queries. A page past the end shows the last page."""
    query = _filtered(user, filters)
    total = _total(user, filters, query)
    at = paging(total, page, per_page)
    rows = db.session.scalars(
        _ordered(query, sorting)
        .options(joinedload(Proposal.organization), joinedload(Proposal.call))
        .limit(per_page)
        .offset(at.offset)
    ).all()
    return ProposalPage(total, at.page, per_page, rows=list(rows))


# The proposals read from the database at a time while an export is written.
EXPORT_BATCH = 1_000


def export_proposals(
    user: User, filters: ProposalFilters, sorting: Sorting | None
) -> Iterator[Proposal]:
    """Every proposal of the view (all pages), in its order, for an export: one query, run
    when the first is read (a CSV is written as it is sent), its rows read a batch at a time."""
    query = _ordered(_filtered(user, filters), sorting).options(
        joinedload(Proposal.organization), joinedload(Proposal.call)
    )
    yield from db.session.scalars(query.execution_options(yield_per=EXPORT_BATCH))


def filter_choices(user: User) -> dict[str, list[tuple[object, str]]]:
    """What the list's filters offer: the organizations that propose (the secretariat's and
    the committee's lists), the countries and objectives of proposals. Kept under the
    `listing` counter (`fund.changes`): made again, in three queries, after a change to the
    proposals' status, organization or countries, or to the organizations or countries."""
    return kept_under(LISTING, _KEPT, ("choices", _Audience.of(user)), lambda: _choices(user))


def _choices(user: User) -> dict[str, list[tuple[object, str]]]:
    # Each organization and country is asked whether one proposal the user sees names it (an
    # index probe each), so the cost follows the reference lists, not the number of proposals.
    proposing = _visible_to(
        select(Proposal.id).where(Proposal.organization_id == Organization.id), user
    )
    organizations = db.session.execute(
        select(Organization.id, Organization.label)
        .where(exists(proposing))
        .order_by(func.lower(Organization.label))
    ).all()
    if sees_only_own(user):
        # An applicant's proposals are found on the organization's index and their countries
        # on the key of each: a probe per country would look through every proposal naming
        # it, most of them other organizations'.
        # Materialized, so that no planner turns it back into a probe per country.
        own = (
            select(proposal_countries.c.country_iso2)
            .join(Proposal, Proposal.id == proposal_countries.c.proposal_id)
            .where(Proposal.organization_id == user.organization_id)
            .distinct()
            .cte("own_countries")
            .prefix_with("MATERIALIZED")
        )
        named = Country.iso2.in_(select(own.c.country_iso2))
    else:
        named = exists(
            _visible_to(
                select(Proposal.id)
                .join(proposal_countries, proposal_countries.c.proposal_id == Proposal.id)
                .where(proposal_countries.c.country_iso2 == Country.iso2),
                user,
            )
        )
    countries = db.session.execute(
        select(Country.iso2, Country.name).where(named).order_by(Country.name)
    ).all()
    objectives = db.session.execute(
        select(GcmObjective.number, GcmObjective.title).order_by(GcmObjective.number)
    ).all()
    return {
        "organizations": [tuple(r) for r in organizations],
        "countries": [tuple(r) for r in countries],
        "objectives": [tuple(r) for r in objectives],
    }


def organization_directs(proposal_filter: Any) -> dict[int, dict[int, Decimal]]:
    """proposal id -> organization id -> direct costs, for the proposals matching
    `proposal_filter` (a SQL condition on Proposal): one grouped query."""
    rows = db.session.execute(
        select(
            BudgetLine.proposal_id,
            BudgetLine.organization_id,
            cents_sum(BudgetLine.amount).label("direct"),
        )
        .join(Proposal, Proposal.id == BudgetLine.proposal_id)
        .where(proposal_filter)
        .group_by(BudgetLine.proposal_id, BudgetLine.organization_id)
    )
    directs: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for row in rows:
        directs[row.proposal_id][row.organization_id] = from_cents(row.direct)
    return directs


def load_proposal(proposal_id: int) -> Proposal | None:
    """A proposal with everything its page shows, loaded eagerly."""
    return db.session.scalar(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(
            joinedload(Proposal.organization),
            joinedload(Proposal.call),
            joinedload(Proposal.lead_organization),
            joinedload(Proposal.primary_objective),
            selectinload(Proposal.participants),
            selectinload(Proposal.countries),
            selectinload(Proposal.endorsers),
            selectinload(Proposal.secondary_objectives),
            selectinload(Proposal.principles).joinedload(ProposalPrinciple.principle),
            selectinload(Proposal.contacts),
            selectinload(Proposal.budget_lines).joinedload(BudgetLine.organization),
            selectinload(Proposal.attachments).joinedload(Attachment.uploaded_by),
            selectinload(Proposal.national_partners),
            selectinload(Proposal.indicative_totals).joinedload(IndicativeTotal.organization),
            FRAMEWORK,
        )
    )


def versions(proposal_id: int) -> list[ProposalVersion]:
    return list(
        db.session.scalars(
            select(ProposalVersion)
            .where(ProposalVersion.proposal_id == proposal_id)
            .options(joinedload(ProposalVersion.submitted_by))
            .order_by(ProposalVersion.number)
        )
    )


def open_calls(today) -> list[Call]:
    return list(
        db.session.scalars(select(Call).where(Call.is_open(today)).order_by(Call.closes_on))
    )


def organization_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(Organization.id, Organization.label).where(Organization.id.in_(ids))
    )
    return {row.id: row.label for row in rows}
