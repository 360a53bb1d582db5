"""Reading the accounts: the people who hold a role."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from fund.accounts.models import User, UserRole
from fund.extensions import db


def active_holders_of(role: str) -> Select:
    """SQL: the active users holding `role`, in no order; a caller narrows it and orders it."""
    return (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active.is_(True), UserRole.role == role)
    )


def active_users_with_role(role: str, session: Session | None = None) -> list[User]:
    """The active users holding `role`, by id (read in `session`, else the request's)."""
    return list((session or db.session).scalars(active_holders_of(role).order_by(User.id)))
