"""Organizations and the people who act for them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.extensions import UTCDateTime, db, one_of, utcnow
from fund.i18n import LANGUAGES
from fund.labels import N_, LabelledEnum
from fund.reference.models import Country


class OrganizationKind(enum.StrEnum):
    UN_ENTITY = "un_entity"
    MEMBER_STATE = "member_state"
    OTHER = "other"


class Role(LabelledEnum):
    """What a user does in the fund, which decides what they may see and do."""

    APPLICANT = "applicant", N_("Applicant")
    SECRETARIAT = "secretariat", N_("Secretariat")
    COMMITTEE = "committee", N_("Committee member")
    ADMIN = "admin", N_("Administrator")
    # The MPTF Office: records the money (deposits, interest, transfers, refunds); the
    # secretariat (Fund Management Unit) requests transfers but records no money itself.
    ADMINISTRATIVE_AGENT = "administrative_agent", N_("Administrative agent")


# The roles that read several parts of the fund: each group is one rule, declared by the routes
# (`fund.access.roles_required`), the API's operations and the navigation that links them.
PROPOSAL_READERS = frozenset({Role.APPLICANT, Role.SECRETARIAT, Role.COMMITTEE})
COMMITTEE_READERS = frozenset({Role.COMMITTEE, Role.SECRETARIAT})  # also the full coverage
MONEY_READERS = frozenset({Role.SECRETARIAT, Role.ADMINISTRATIVE_AGENT})
REPORT_READERS = frozenset({Role.APPLICANT, Role.SECRETARIAT, Role.ADMINISTRATIVE_AGENT})
SEAT_MANAGERS = frozenset({Role.SECRETARIAT, Role.ADMIN})  # change the committee's seats
SEAT_READERS = SEAT_MANAGERS | {Role.COMMITTEE}
AUDIT_READERS = frozenset({Role.SECRETARIAT, Role.ADMIN})  # the audit trail


class Organization(db.Model):
    """A UN entity, a member state (its government) or another body (e.g. a donor)."""

    __tablename__ = "organizations"
    __table_args__ = (
        one_of("kind", OrganizationKind),
        CheckConstraint(
            "(kind = 'member_state') = (country_iso2 IS NOT NULL)", name="state_has_country"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    country_iso2: Mapped[str | None] = mapped_column(
        ForeignKey("countries.iso2"), unique=True, default=None
    )
    iati_org_id: Mapped[str | None] = mapped_column(String(60), default=None)
    committee_member: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    country: Mapped[Country | None] = relationship()

    @hybrid_property
    def label(self) -> str:
        """How lists and messages name the organization: its acronym, or its name without one
        (an empty acronym counts as none, in Python as in SQL)."""
        return self.acronym or self.name

    @label.inplace.expression
    @classmethod
    def _label_expression(cls) -> Any:
        return func.coalesce(func.nullif(cls.acronym, ""), cls.name)

    @staticmethod
    def named(name: str, acronym: str | None) -> str:
        """An organization as its pages name it in full: "name (acronym)", or the name alone."""
        return f"{name} ({acronym})" if acronym else name

    @property
    def display_name(self) -> str:
        return self.named(self.name, self.acronym)

    def __repr__(self) -> str:
        return f"<Organization {self.label}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (one_of("role", Role),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, db.Model):
    """A person who signs in. Roles are additive; the organization is whom they act for."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("email"),
        CheckConstraint("failed_login_count >= 0", name="failed_login_count_positive"),
        one_of("language", LANGUAGES, nullable=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_login_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Bumped on password change or deactivation: every older session stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The interface's language chosen on the account page (fund.i18n); none: the browser's.
    language: Mapped[str | None] = mapped_column(String(5), default=None)

    organization: Mapped[Organization | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def set_roles(self, roles: set[str]) -> None:
        unknown = set(roles) - {r.value for r in Role}
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        keep = [r for r in self.role_rows if r.role in roles]
        have = {r.role for r in keep}
        self.role_rows = keep + [UserRole(role=r) for r in sorted(roles - have)]

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class LoginAttempt(db.Model):
    """One sign-in attempt from a client address, kept only for the throttle's window.

    Counted across every account, so that one address cannot try passwords on many accounts;
    the per-account lockout is on `User`. Rows older than the window are deleted.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (db.Index("ix_login_attempts_address_time", "address", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"<LoginAttempt {self.address} {outcome}>"
