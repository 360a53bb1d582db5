"""Personal API tokens: a user's key to the JSON API (`fund.api`), with a name, scopes, an
expiry and the time of its last use.

A token is shown once, when it is made: `fund_` followed by 32 random bytes (URL-safe base64).
Only its SHA-256 is kept, with its first characters to recognise it in a list. A token acts as
its user: it sees what the user's roles let them see on the pages, narrowed by its scopes. A
revoked or expired token, or one whose user is deactivated, is refused. Making and revoking a
token are audited; using one updates its last use.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fund.accounts.models import User
from fund.audit.operations import add_recorded, record
from fund.extensions import UTCDateTime, db
from fund.labels import N_
from fund.refusals import Refused

PREFIX = "fund_"
SECRET_BYTES = 32
SHOWN_CHARACTERS = 12  # the token's first characters kept to recognise it
# What a token may read, each a part of the API; a token holds one or more.
SCOPES = {
    "proposals": N_("Proposals and screening"),
    "committee": N_("Voting rounds and decision records"),
    "finance": N_("Finance"),
    "audit": N_("Audit events"),
}
DEFAULT_DAYS = 90
MAX_DAYS = 366
NAME_LENGTH = 100
# The last use is written at most this often, so that a busy token is not a write a request.
LAST_USE_RESOLUTION = timedelta(minutes=1)


class ApiToken(db.Model):
    """One personal API token of a user; the token itself is never stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    shown: Mapped[str] = mapped_column(String(SHOWN_CHARACTERS))
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, from SCOPES
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def expired(self, now: datetime) -> bool:
        """Whether the token's time is up at `now` (the account page says "Expired")."""
        return now >= self.expires_at

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and not self.expired(now) and self.user.active

    def __repr__(self) -> str:
        return f"<ApiToken {self.shown}… of user {self.user_id}>"


class TokenRefused(Refused):
    """A token that cannot be made or revoked as asked."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    row: ApiToken
    token: str  # shown once to its user, never stored


def create_token(
    user: User,
    name: str,
    *,
    now: datetime,
    days: int = DEFAULT_DAYS,
    scopes: frozenset[str] | None = None,
    by_command: bool = False,
) -> NewToken:
    """A new token of `user`, valid `days` days (1..MAX_DAYS), with `scopes` (all by default);
    audited as made by the user on their account page, or by an operator's command (the
    actor "system"). The caller commits."""
    name = (name or "").strip()
    if not name:
        raise TokenRefused(N_("Give the token a name, to recognise it later."), "name")
    if len(name) > NAME_LENGTH:
        raise TokenRefused(N_("A token's name has at most 100 characters."), "name")
    if not 1 <= days <= MAX_DAYS:
        raise TokenRefused(N_("A token lasts from 1 to 366 days."), "days")
    chosen = frozenset(SCOPES) if scopes is None else frozenset(scopes)
    if not chosen or not chosen <= set(SCOPES):
        raise TokenRefused(N_("Choose at least one of the scopes listed."), "scopes")
    if not user.active:
        raise TokenRefused(N_("A deactivated account cannot have tokens."))
    token = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=digest(token),
        shown=token[:SHOWN_CHARACTERS],
        scopes=" ".join(sorted(chosen)),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    add_recorded(
        row,
        "api_token_created",
        "api_token",
        None if by_command else user,
        details=lambda made: {
            "user_id": user.id,
            "made_with": "flask fund api-token create" if by_command else "account page",
            "name": made.name,
            "scopes": made.scopes,
            "expires_at": made.expires_at.isoformat(),
        },
        now=now,
    )
    return NewToken(row, token)


def revoke_token(user: User, token_id: int, *, now: datetime) -> ApiToken:
    """Revoke `user`'s token `token_id` (one of another user is not found); audited."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise TokenRefused(N_("No such token."))
    if row.revoked_at is not None:
        raise TokenRefused(N_("This token is revoked already."), stale=True)
    row.revoked_at = now
    record("api_token_revoked", "api_token", row.id, user, details={"name": row.name}, now=now)
    return row


def tokens_of(user: User) -> list[ApiToken]:
    """`user`'s tokens, the newest first."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def authenticate(token: str, *, now: datetime) -> ApiToken | None:
    """The usable token `token` is (its last use updated), or None. The caller commits."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or not row.usable(now):
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_RESOLUTION:
        row.last_used_at = now
    return row
