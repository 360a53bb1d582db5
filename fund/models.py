"""Imports every model so that the metadata (and Alembic) sees the whole schema."""

from fund.accounts.models import Organization, User, UserRole
from fund.audit.models import AuditEvent
from fund.calls.models import Call
from fund.proposals.models import Proposal
from fund.reference.models import (
    BudgetCategory,
    Country,
    GcmObjective,
    GuidingPrinciple,
    ThematicArea,
)

__all__ = [
    "AuditEvent",
    "BudgetCategory",
    "Call",
    "Country",
    "GcmObjective",
    "GuidingPrinciple",
    "Organization",
    "Proposal",
    "ThematicArea",
    "User",
    "UserRole",
]
