"""Proposals for joint programmes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from fund.accounts.models import Organization, User
from fund.calls.models import Call, Stage
from fund.days import last_day
from fund.extensions import UTCDateTime, db, not_negative, one_of, unique_where, utcnow
from fund.fulltext import normalise
from fund.i18n import LANGUAGES
from fund.labels import N_, LabelledEnum
from fund.money import Money
from fund.reference.models import Country, GcmObjective, GuidingPrinciple
from workflows import PROPOSAL_WORKFLOW, Workflow
from workflows.concept_note import CONCEPT_NOTE_WORKFLOW, NOTE_PIPELINE_STATE

if TYPE_CHECKING:
    from fund.proposals.results import ResultOutcome


class ProposalKind(LabelledEnum):
    """What a row of `proposals` is: a full joint programme, or a concept note (the short first
    stage of a concept-note-first call). Each kind follows its own transition table."""

    PROPOSAL = "proposal", N_("Full proposal")
    CONCEPT_NOTE = "concept_note", N_("Concept note")


# The transition table of each kind (the engine of each: fund.proposals.operations.engine_for).
WORKFLOWS: dict[str, Workflow] = {
    ProposalKind.PROPOSAL: PROPOSAL_WORKFLOW,
    ProposalKind.CONCEPT_NOTE: CONCEPT_NOTE_WORKFLOW,
}


def state_label(kind: str, status: str) -> str:
    """The label of `status` in the table of `kind`."""
    return WORKFLOWS[kind].state_label(status)


def _states_sql(workflow: Workflow) -> str:
    return ", ".join(f"'{s}'" for s in workflow.states)


# Each kind only in the states of its own table.
_STATUS_BY_KIND_SQL = " OR ".join(
    f"(kind = '{kind.value}' AND status IN ({_states_sql(WORKFLOWS[kind])}))"
    for kind in ProposalKind
)


class Scope(LabelledEnum):
    """The geographic scope of a proposal: one country, several, a region, or global."""

    NATIONAL = "national", N_("National")
    MULTI_COUNTRY = "multi_country", N_("Multi-country")
    REGIONAL = "regional", N_("Regional")
    GLOBAL = "global", N_("Global")


MARKER_LABELS = {
    0: N_("0: not expected to contribute"),
    1: N_("1: contributes in a limited way"),
    2: N_("2: significant objective"),
    3: N_("3: principal objective"),
}

# The rows whose pipeline_rank is unique: the concept notes in the pipeline.
PIPELINE_RANK_WHERE = f"kind = 'concept_note' AND status = '{NOTE_PIPELINE_STATE}'"

_SCOPES_SQL = ", ".join(f"'{s.value}'" for s in Scope)


def proposal_reference(proposal_id: int) -> str:
    """A proposal's reference as people write it, on pages, in emails and exports: P-00042."""
    return f"P-{proposal_id:05d}"


# A reference as a person types it (P-00042, p42, P00042), and as `proposal_reference` writes it.
_TYPED_REFERENCE = re.compile(r"P-?0*(\d{1,9})", re.IGNORECASE)
WRITTEN_REFERENCE = re.compile(r"\bP-\d{5,}\b")


def proposal_id_of(typed: str | None) -> int | None:
    """The id of the proposal a typed reference names, or None when it is not a reference."""
    found = _TYPED_REFERENCE.fullmatch((typed or "").strip())
    return int(found.group(1)) if found else None


class OfProposal:
    """A record of one proposal, named by its `proposal_id`: `programme` is that proposal's
    reference."""

    proposal_id: int

    @property
    def programme(self) -> str:
        return proposal_reference(self.proposal_id)


def _proposal_link(name: str, column: str, target: str) -> Table:
    """A table linking a proposal to rows of another table (`column` refers to `target`); its
    rows go with the proposal."""
    return Table(
        name,
        db.metadata,
        Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
        Column(column, ForeignKey(target), primary_key=True),
    )


proposal_participants = _proposal_link(
    "proposal_participants", "organization_id", "organizations.id"
)
proposal_endorsers = _proposal_link("proposal_endorsers", "country_iso2", "countries.iso2")
proposal_countries = _proposal_link("proposal_countries", "country_iso2", "countries.iso2")
# The proposals of a country: the lists' country filter offers the countries that have one.
Index("ix_proposal_countries_country_iso2", proposal_countries.c.country_iso2)
proposal_secondary_objectives = _proposal_link(
    "proposal_secondary_objectives", "objective_number", "gcm_objectives.number"
)


def _linked(table: Table, order_by: str) -> Any:
    """The reference rows a proposal names through one of its link tables, in `order_by` order."""
    return relationship(secondary=table, order_by=order_by)


def _part_of_proposal(order_by: str) -> Any:
    """The rows a proposal owns (principles, contacts, budget lines, attachments, national
    partners, indicative totals): saved and deleted with it, in `order_by` order."""
    return relationship(cascade="all, delete-orphan", order_by=order_by)


class Proposal(db.Model):
    """A joint programme proposed for a call, owned by the applicant's organization.

    `version` is a version counter: an UPDATE based on a stale read fails, so two people (or two
    clicks) acting on the same version cannot both succeed.
    """

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(_STATUS_BY_KIND_SQL, name="status_valid"),
        one_of("kind", ProposalKind),
        CheckConstraint(f"scope IS NULL OR scope IN ({_SCOPES_SQL})", name="scope_valid"),
        one_of("content_language", LANGUAGES),
        CheckConstraint("gender_marker BETWEEN 0 AND 3", name="gender_marker_range"),
        CheckConstraint("human_rights_marker BETWEEN 0 AND 3", name="human_rights_marker_range"),
        CheckConstraint(
            "duration_months IS NULL OR duration_months >= 1", name="duration_positive"
        ),
        # The proposal lists: newest change first, unfiltered or by status (bench/RESULTS.md).
        Index("ix_proposals_updated_at_id", "updated_at", "id"),
        Index("ix_proposals_status_updated_at_id", "status", "updated_at", "id"),
        # The screening queue, the oldest submission first, state by state (and any status).
        Index("ix_proposals_status_submitted_at_id", "status", "submitted_at", "id"),
        # An organization's own list, in the same order (and its proposals by organization).
        Index("ix_proposals_organization_updated_at_id", "organization_id", "updated_at", "id"),
        # The committee's order of the concept notes in the pipeline: one note per place.
        CheckConstraint(
            "pipeline_rank IS NULL OR pipeline_rank > 0", name="pipeline_rank_positive"
        ),
        unique_where("uq_proposals_pipeline_rank", "pipeline_rank", PIPELINE_RANK_WHERE),
        # A concept note's invitation to a full programme, and the one full proposal made from
        # a concept note.
        CheckConstraint(
            "invited_until IS NULL OR kind = 'concept_note'", name="invitation_of_concept_note"
        ),
        CheckConstraint(
            "concept_note_id IS NULL OR kind = 'proposal'", name="made_from_concept_note"
        ),
        Index("uq_proposals_concept_note_id", "concept_note_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    kind: Mapped[str] = mapped_column(
        String(20), default=ProposalKind.PROPOSAL.value, server_default="proposal"
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    # The words of the title and summary as the full-text index holds them (fund.fulltext):
    # written on every insert and update, read only by the search.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(20), default=PROPOSAL_WORKFLOW.initial)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    rationale: Mapped[str] = mapped_column(Text, default="")
    lead_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    scope: Mapped[str | None] = mapped_column(String(20))
    # The language the applicant writes the proposal in (fund.i18n.LANGUAGES): its reviewers
    # see it, and its texts are marked with it for screen readers.
    content_language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    planned_start: Mapped[date | None] = mapped_column(Date)
    duration_months: Mapped[int | None] = mapped_column(Integer)
    primary_objective_number: Mapped[int | None] = mapped_column(
        ForeignKey("gcm_objectives.number"), index=True
    )
    gender_marker: Mapped[int | None] = mapped_column(Integer)
    human_rights_marker: Mapped[int | None] = mapped_column(Integer)
    # Number of the latest submitted snapshot (0 before the first submission).
    submission_number: Mapped[int] = mapped_column(Integer, default=0)
    # Kept at approval for the pipeline (fund/proposals/approval.py): when the approval was
    # recorded, and the total (direct + indirect) at the indirect support rate of that moment.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    approved_total: Mapped[Decimal | None] = mapped_column(Money, default=None)
    approved_rate: Mapped[str | None] = mapped_column(String(16), default=None)
    # The committee's order of a concept note in the pipeline: a key, lower first, unique among
    # the concept notes in the pipeline (its place 1..n is its position in that order). Written
    # only by fund.proposals.ranking.
    pipeline_rank: Mapped[int | None] = mapped_column(Integer, default=None)
    # Listed in the public pipeline booklet: set with the committee's decision or by the
    # secretariat (audited).
    pipeline_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A concept note invited to a full programme: the full proposal is due by the end of this
    # day (fund.proposals.invitations).
    invited_until: Mapped[date | None] = mapped_column(Date, default=None)
    # A full proposal made from a concept note: that note (one full proposal per note).
    concept_note_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), default=None)

    call: Mapped[Call] = relationship()
    concept_note: Mapped[Proposal | None] = relationship(
        remote_side="Proposal.id", foreign_keys=[concept_note_id]
    )
    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id])
    created_by: Mapped[User | None] = relationship()
    lead_organization: Mapped[Organization | None] = relationship(
        foreign_keys=[lead_organization_id]
    )
    primary_objective: Mapped[GcmObjective | None] = relationship()
    participants: Mapped[list[Organization]] = _linked(
        proposal_participants, "Organization.acronym"
    )
    endorsers: Mapped[list[Country]] = _linked(proposal_endorsers, "Country.name")
    countries: Mapped[list[Country]] = _linked(proposal_countries, "Country.name")
    secondary_objectives: Mapped[list[GcmObjective]] = _linked(
        proposal_secondary_objectives, "GcmObjective.number"
    )
    principles: Mapped[list[ProposalPrinciple]] = _part_of_proposal(
        "ProposalPrinciple.principle_code"
    )
    contacts: Mapped[list[ProposalContact]] = _part_of_proposal("ProposalContact.id")
    budget_lines: Mapped[list[BudgetLine]] = _part_of_proposal("BudgetLine.id")
    attachments: Mapped[list[Attachment]] = _part_of_proposal("Attachment.id")
    # A concept note's own parts.
    national_partners: Mapped[list[NationalPartner]] = _part_of_proposal("NationalPartner.id")
    indicative_totals: Mapped[list[IndicativeTotal]] = _part_of_proposal(
        "IndicativeTotal.organization_id"
    )
    # The results framework (fund/proposals/results.py): outcomes, with their outputs and
    # indicators.
    outcomes: Mapped[list[ResultOutcome]] = _part_of_proposal("ResultOutcome.position")

    __mapper_args__ = {"version_id_col": version}

    @hybrid_property
    def leading_organization_id(self) -> Any:
        """The organization that leads the programme: its named lead, else the one that
        submitted it. It submits the financial reports and names the programme in the
        allocations' lists; in SQL, the same (COALESCE)."""
        return self.lead_organization_id or self.organization_id

    @leading_organization_id.inplace.expression
    @classmethod
    def _leading_organization_id(cls) -> Any:
        return func.coalesce(cls.lead_organization_id, cls.organization_id)

    @property
    def is_concept_note(self) -> bool:
        return self.kind == ProposalKind.CONCEPT_NOTE

    @property
    def stage(self) -> str:
        """The call's stage this row belongs to (its screening criteria, its endorsements)."""
        return Stage.CONCEPT_NOTE.value if self.is_concept_note else Stage.FULL_PROPOSAL.value

    @property
    def kind_label(self) -> str:
        return ProposalKind(self.kind).label

    @property
    def workflow(self) -> Workflow:
        """The transition table this row follows (by its kind)."""
        return WORKFLOWS[self.kind]

    @property
    def status_label(self) -> str:
        return state_label(self.kind, self.status)

    @property
    def next_step(self) -> str | None:
        """What happens next in its state (untranslated), if anything does."""
        return WORKFLOWS[self.kind].next_step(self.status)

    @property
    def indicative_total(self) -> Decimal:
        """A concept note's indicative total: the sum of its organizations' amounts."""
        return sum((t.amount for t in self.indicative_totals), Decimal("0.00"))

    @property
    def reference(self) -> str:
        return proposal_reference(self.id)

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.status}>"


@event.listens_for(Proposal, "before_insert")
@event.listens_for(Proposal, "before_update")
def _write_search_text(_mapper: Any, _connection: Any, proposal: Proposal) -> None:
    """The words the full-text search finds the proposal by, from its title and summary."""
    words = normalise(proposal.title, proposal.summary)
    if proposal.search_text != words:
        proposal.search_text = words


class ProposalPart:
    """A row of one of a proposal's lists (its partners, contacts, budget lines, attachments,
    screening checks): its id, then its proposal's; deleted with the proposal."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True, sort_order=-1
    )


class ProposalPrinciple(db.Model):
    """A guiding principle the proposal addresses, with how."""

    __tablename__ = "proposal_principles"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    principle_code: Mapped[str] = mapped_column(
        ForeignKey("guiding_principles.code"), primary_key=True
    )
    explanation: Mapped[str] = mapped_column(Text, default="")

    principle: Mapped[GuidingPrinciple] = relationship()


class PartnerType(LabelledEnum):
    """The kind of a national partner of a proposal."""

    LINE_MINISTRY = "line_ministry", N_("Line ministry")
    LOCAL_GOVERNMENT = "local_government", N_("Local government")
    REGIONAL_INTERGOVERNMENTAL_BODY = (
        "regional_intergovernmental_body",
        N_("Regional intergovernmental body"),
    )
    CIVIL_SOCIETY = "civil_society", N_("Civil-society organization")
    MIGRANT_OR_DIASPORA_ORGANIZATION = (
        "migrant_or_diaspora_organization",
        N_("Migrant or diaspora organization"),
    )
    OTHER = "other", N_("Other")


class NationalPartner(ProposalPart, db.Model):
    """A national partner of a concept note: a government body or a non-UN organization."""

    __tablename__ = "national_partners"
    __table_args__ = (one_of("partner_type", PartnerType),)

    name: Mapped[str] = mapped_column(String(200))
    partner_type: Mapped[str] = mapped_column(String(40))

    @property
    def type_label(self) -> str:
        return PartnerType(self.partner_type).label


class IndicativeTotal(db.Model):
    """What a concept note indicates for one participating organization, in USD (all costs)."""

    __tablename__ = "indicative_totals"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)

    organization: Mapped[Organization] = relationship()


class ProposalContact(ProposalPart, db.Model):
    __tablename__ = "proposal_contacts"

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    function: Mapped[str] = mapped_column(String(200), default="")


class BudgetLineColumns:
    """What a budget line holds, a programme's or the one a revision asks for: direct costs of
    one participating organization towards one objective, in one category (1 to 7), in one
    programme year."""

    LINE_COLUMNS = (
        "organization_id",
        "objective_number",
        "category_code",
        "amount",
        "description",
        "year",
    )

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (
            CheckConstraint("category_code BETWEEN 1 AND 7", name="direct_category"),
            not_negative("amount"),
            CheckConstraint("year >= 1", name="year_positive"),
        )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    objective_number: Mapped[int] = mapped_column(ForeignKey("gcm_objectives.number"))
    category_code: Mapped[int] = mapped_column(ForeignKey("budget_categories.code"))
    amount: Mapped[Decimal] = mapped_column(Money)
    description: Mapped[str] = mapped_column(String(300), default="")
    # The programme year the cost falls in (1 to the duration in years, `programme_years`);
    # lines written before budgets had years are in year 1.
    year: Mapped[int] = mapped_column(default=1, server_default="1")

    @declared_attr
    def organization(cls) -> Mapped[Organization]:
        return relationship()

    def line_values(self) -> dict[str, Any]:
        """The line's columns, to write the same line in another row."""
        return {name: getattr(self, name) for name in self.LINE_COLUMNS}


class BudgetLine(ProposalPart, BudgetLineColumns, db.Model):
    """A line of a programme's budget. Indirect support costs (category 8) are never stored as
    lines: they are computed."""

    __tablename__ = "budget_lines"


class StoredFile:
    """A file kept in the database (a proposal's attachment, a report's): its name, media type,
    size and SHA-256, its bytes (read only when asked for), who uploaded it and when."""

    FILE_COLUMNS = (
        "filename",
        "media_type",
        "size",
        "sha256",
        "content",
        "uploaded_by_id",
        "uploaded_at",
    )

    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def uploaded_by(cls) -> Mapped[User | None]:
        return relationship()

    def file_values(self) -> dict[str, Any]:
        """The file's columns, to store the same file in another row."""
        return {name: getattr(self, name) for name in self.FILE_COLUMNS}


class AttachmentKind(LabelledEnum):
    """What a file attached to a proposal is."""

    ENDORSEMENT_LETTER = "endorsement_letter", N_("Government endorsement letter")
    CONCEPT_NOTE = "concept_note", N_("Concept note")
    BUDGET = "budget", N_("Detailed budget")
    OTHER = "other", N_("Other supporting document")


class Attachment(ProposalPart, StoredFile, db.Model):
    """A file attached to a proposal; the bytes live in the database with their SHA-256."""

    __tablename__ = "attachments"
    __table_args__ = (
        one_of("kind", AttachmentKind),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint(
            "(kind = 'endorsement_letter') = (country_iso2 IS NOT NULL)",
            name="letter_names_country",
        ),
    )

    kind: Mapped[str] = mapped_column(String(30))
    country_iso2: Mapped[str | None] = mapped_column(ForeignKey("countries.iso2"))
    # The table's column was made without NOT NULL (every row has its bytes all the same).
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, nullable=True)

    country: Mapped[Country | None] = relationship()


class ProposalVersion(db.Model):
    """An immutable snapshot of what was submitted: one per submission."""

    __tablename__ = "proposal_versions"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)

    submitted_by: Mapped[User | None] = relationship()

    @property
    def planned_dates(self) -> tuple[date | None, date | None]:
        """The planned start and last day the version was submitted with (`planned_dates`)."""
        return planned_dates(self.snapshot)


def planned_dates(snapshot: Mapping[str, Any]) -> tuple[date | None, date | None]:
    """The planned start and last day (`fund.days.last_day`) a submitted version's `snapshot`
    gives; None for what it does not give (the snapshot keeps the start as an ISO date)."""
    try:
        start = date.fromisoformat(snapshot.get("planned_start") or "")
    except (TypeError, ValueError):
        return None, None
    months = snapshot.get("duration_months")
    return start, last_day(start, int(months)) if isinstance(months, int) and months else None
