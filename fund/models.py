"""Imports every model so that the metadata (and Alembic) sees the whole schema."""

from fund.accounts.models import LoginAttempt, Organization, User, UserRole
from fund.accounts.tokens import ApiToken
from fund.audit.models import AuditEvent
from fund.calls.models import Call
from fund.changes import ChangeCounter
from fund.committee.models import (
    Meeting,
    MeetingAttendee,
    MeetingItem,
    RoundMember,
    Seat,
    SeatAlternate,
    SeatTerm,
    Vote,
    VotingRound,
)
from fund.coverage.totals import CoverageTotal
from fund.finance.agent_models import DirectCost, InterestEntry, Pledge, PledgeInstalment
from fund.finance.models import (
    Allocation,
    AllocationShare,
    AllocationSource,
    Contribution,
    ContributionVoid,
    CoverageTarget,
    Disbursement,
    Pool,
)
from fund.finance.schedule_models import PlannedTranche
from fund.finance.transfer_models import TransferRequest
from fund.idempotency import FormKey
from fund.notifications.models import Notification, NotificationPreference, OutboxMessage
from fund.proposals.models import (
    Attachment,
    BudgetLine,
    Proposal,
    ProposalContact,
    ProposalPrinciple,
    ProposalVersion,
)
from fund.proposals.results import (
    IndicatorActual,
    IndicatorTarget,
    ResultIndicator,
    ResultOutcome,
    ResultOutput,
)
from fund.reference.models import (
    BudgetCategory,
    Country,
    GcmObjective,
    GuidingPrinciple,
    ThematicArea,
)
from fund.reference.results import (
    FundIndicator,
    FundOutcome,
    MgiAssessment,
    MgiIndicator,
    MgiScore,
    MigofDomain,
    SdgTarget,
)
from fund.reporting.models import (
    ProgrammeReport,
    ReportActual,
    ReportAttachment,
    ReportExpenditure,
    ReportNarrative,
)
from fund.revisions.models import Revision, RevisionBudgetLine
from fund.screening.models import ScreeningCheck, ScreeningCriterion

__all__ = [
    "Allocation",
    "AllocationShare",
    "AllocationSource",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "BudgetCategory",
    "BudgetLine",
    "Call",
    "ChangeCounter",
    "Contribution",
    "ContributionVoid",
    "Country",
    "CoverageTarget",
    "CoverageTotal",
    "DirectCost",
    "Disbursement",
    "FormKey",
    "FundIndicator",
    "FundOutcome",
    "GcmObjective",
    "GuidingPrinciple",
    "IndicatorActual",
    "IndicatorTarget",
    "InterestEntry",
    "LoginAttempt",
    "Meeting",
    "MeetingAttendee",
    "MeetingItem",
    "MgiAssessment",
    "MgiIndicator",
    "MgiScore",
    "MigofDomain",
    "Notification",
    "NotificationPreference",
    "Organization",
    "OutboxMessage",
    "PlannedTranche",
    "Pledge",
    "PledgeInstalment",
    "Pool",
    "ProgrammeReport",
    "Proposal",
    "ProposalContact",
    "ProposalPrinciple",
    "ProposalVersion",
    "ReportActual",
    "ReportAttachment",
    "ReportExpenditure",
    "ReportNarrative",
    "ResultIndicator",
    "ResultOutcome",
    "ResultOutput",
    "Revision",
    "RevisionBudgetLine",
    "RoundMember",
    "ScreeningCheck",
    "ScreeningCriterion",
    "SdgTarget",
    "Seat",
    "SeatAlternate",
    "SeatTerm",
    "ThematicArea",
    "TransferRequest",
    "User",
    "UserRole",
    "Vote",
    "VotingRound",
]
