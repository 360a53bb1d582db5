"""Imports every model so that the metadata (and Alembic) sees the whole schema."""

from fund.accounts.models import Organization, User, UserRole
from fund.audit.models import AuditEvent
from fund.calls.models import Call
from fund.proposals.models import (
    Attachment,
    BudgetLine,
    Proposal,
    ProposalContact,
    ProposalPrinciple,
    ProposalVersion,
)
from fund.reference.models import (
    BudgetCategory,
    Country,
    GcmObjective,
    GuidingPrinciple,
    ThematicArea,
)
from fund.screening.models import ScreeningCheck, ScreeningCriterion

__all__ = [
    "Attachment",
    "AuditEvent",
    "BudgetCategory",
    "BudgetLine",
    "Call",
    "Country",
    "GcmObjective",
    "GuidingPrinciple",
    "Organization",
    "Proposal",
    "ProposalContact",
    "ProposalPrinciple",
    "ProposalVersion",
    "ScreeningCheck",
    "ScreeningCriterion",
    "ThematicArea",
    "User",
    "UserRole",
]
