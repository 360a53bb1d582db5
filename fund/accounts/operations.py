"""Changes to accounts and organizations. Callers commit; every change is audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.exc import IntegrityError

from fund.accounts import passwords
from fund.accounts.limits import AttemptLimit
from fund.accounts.models import Organization, OrganizationKind, Role, User, UserRole
from fund.accounts.passwords import hash_password, needs_rehash, verify_password
from fund.audit.operations import record
from fund.extensions import db
from fund.i18n import LANGUAGES
from fund.labels import N_
from fund.refusals import Refused
from fund.sentences import MINUTES, Counted, Np_, Sentence
from fund.signals import account_locked


class AccountError(Refused):
    """A refused account change; `field` names the form field it concerns, if any."""


class LoginRefused(AccountError):
    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


# How long the link emailed to the owner of a locked account unlocks it.
UNLOCK_LINK_MAX_AGE = timedelta(hours=1)
_UNLOCK_SALT = "fund.account-unlock"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def locked_until(user: User, policy: AttemptLimit, now: datetime) -> datetime | None:
    """When the account's lockout ends, if it is locked at `now` (`locked_at` says the same
    in SQL)."""
    if user.failed_login_window_start is None or user.failed_login_count < policy.attempts:
        return None
    until = user.failed_login_window_start + policy.window
    return until if now < until else None


def locked_at(policy: AttemptLimit, now: datetime) -> ColumnElement[bool]:
    """SQL: the account is locked at `now` (as `locked_until` reads one user)."""
    return and_(
        User.failed_login_count >= policy.attempts,
        User.failed_login_window_start > now - policy.window,
    )


def refusal_message(policy: AttemptLimit) -> Sentence:
    """The one answer to every refused sign-in: unknown address, wrong password, locked
    account. Saying which would tell a stranger that the account exists."""
    return Sentence(
        N_(
            "The email address or password is not correct. After %(attempts)s an account is "
            "locked for up to %(minutes)s; its owner is then sent an email with a link that "
            "unlocks it."
        ),
        attempts=Counted(Np_("%(num)s failed attempt", "%(num)s failed attempts"), policy.attempts),
        minutes=Counted(MINUTES, max(1, int(policy.window.total_seconds() // 60))),
    )


def authenticate(email: str, password: str, *, now: datetime, policy: AttemptLimit) -> User:
    """Check a sign-in attempt, counting failures per account.

    Raises LoginRefused; the caller must commit in both cases so failures are counted. An
    unknown address, a wrong password and a locked account get the same message, and each
    costs one password hash.
    """
    user = find_user_by_email(email)
    if user is None:
        verify_password(passwords.DUMMY_HASH, password)
        raise LoginRefused(refusal_message(policy), "invalid")
    correct = verify_password(user.password_hash, password)
    if locked_until(user, policy, now) is not None:
        raise LoginRefused(refusal_message(policy), "locked")
    if not correct:
        window_start = user.failed_login_window_start
        if window_start is None or now - window_start >= policy.window:
            user.failed_login_window_start = now
            user.failed_login_count = 1
        else:
            user.failed_login_count += 1
        if user.failed_login_count == policy.attempts:
            record("account_locked", "user", user.id, None, details={"email": user.email}, now=now)
            # The owner is emailed a link that unlocks it (fund.notifications receives this).
            account_locked.send(
                user,
                attempts=policy.attempts,
                until=user.failed_login_window_start + policy.window,
                now=now,
            )
        raise LoginRefused(refusal_message(policy), "invalid")
    if not user.active:
        raise LoginRefused(
            N_("This account has been deactivated. Contact the fund secretariat."), "inactive"
        )
    user.failed_login_count = 0
    user.failed_login_window_start = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


# Unlocking -----------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_UNLOCK_SALT)


def _lockout_stamp(user: User) -> str:
    start = user.failed_login_window_start
    return start.isoformat() if start is not None else ""


def unlock_token(user: User) -> str:
    """A signed token that unlocks this lockout of the account, once: unlocking (or any later
    failure starting a new count) changes the stamp it carries."""
    return _serializer().dumps({"user": user.id, "lockout": _lockout_stamp(user)})


def _clear_lockout(user: User) -> None:
    user.failed_login_count = 0
    user.failed_login_window_start = None


def unlock(actor: User, user: User, *, now: datetime) -> bool:
    """An administrator unlocks an account (audited). False if there was nothing to clear."""
    if user.failed_login_count == 0 and user.failed_login_window_start is None:
        return False
    details = {"email": user.email, "failed_attempts": user.failed_login_count, "by": "admin"}
    _clear_lockout(user)
    record("account_unlocked", "user", user.id, actor, details=details, now=now)
    return True


def unlock_with_token(token: str, *, now: datetime) -> User | None:
    """The owner unlocks their account with the emailed link (audited). None when the link
    is not genuine, has expired, or its lockout is over or was already unlocked."""
    try:
        data = _serializer().loads(token, max_age=int(UNLOCK_LINK_MAX_AGE.total_seconds()))
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = db.session.get(User, data["user"])
    if user is None or not data.get("lockout") or data.get("lockout") != _lockout_stamp(user):
        return None
    details = {"email": user.email, "failed_attempts": user.failed_login_count, "by": "owner"}
    _clear_lockout(user)
    record("account_unlocked", "user", user.id, user, details=details, now=now)
    return user


def check_password_policy(password: str, *, min_length: int, email: str = "") -> None:
    if len(password) < min_length:
        raise AccountError(
            N_("Use at least %(min)s characters (a few words make a good password)."),
            "new_password",
            min=min_length,
        )
    if len(password) > 256:
        raise AccountError(N_("Use at most 256 characters."), "new_password")
    if email and password.strip().lower() == normalize_email(email):
        raise AccountError(N_("Your password must not be your email address."), "new_password")


def change_password(user: User, current: str, new: str, *, min_length: int, now: datetime) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError(N_("Your current password is not correct."), "current_password")
    check_password_policy(new, min_length=min_length, email=user.email)
    if verify_password(user.password_hash, new):
        raise AccountError(N_("Choose a password different from the current one."), "new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    user.session_version += 1
    record("password_changed", "user", user.id, user, now=now)


def set_language(user: User, language: str | None, *, now: datetime) -> None:
    """The interface's language `user` chose (fund.i18n.LANGUAGES), or None for the browser's;
    audited when it changes."""
    if language is not None and language not in LANGUAGES:
        raise AccountError(N_("Choose one of the languages listed."), "language")
    if user.language == language:
        return
    details = {"language": [user.language, language]}
    user.language = language
    record("user_language_changed", "user", user.id, user, details=details, now=now)


def _check_org_for_roles(organization: Organization | None, roles: set[str]) -> None:
    if Role.APPLICANT in roles and organization is None:
        raise AccountError(N_("An applicant must belong to an organization."), "organization_id")
    if Role.COMMITTEE in roles and (organization is None or not organization.committee_member):
        raise AccountError(
            N_("A committee member must belong to one of the committee's organizations."),
            "organization_id",
        )


def _check_no_committee_members(organization: Organization) -> None:
    """An organization leaves the committee only without committee members, active or not: a
    committee member belongs to one of the committee's organizations (`_check_org_for_roles`)."""
    members = db.session.scalar(
        select(func.count(User.id))
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.organization_id == organization.id, UserRole.role == Role.COMMITTEE.value)
    )
    if members:
        raise AccountError(
            Counted(
                Np_(
                    "%(organization)s has %(num)s committee member: take the committee role "
                    "from them, or move them to another organization, before it leaves the "
                    "committee.",
                    "%(organization)s has %(num)s committee members: take the committee role "
                    "from them, or move them to another organization, before it leaves the "
                    "committee.",
                ),
                members,
                organization=organization.label,
            ),
            "committee_member",
        )


def new_user_problems(
    *,
    email: str,
    password: str,
    roles: set[str],
    organization: Organization | None,
    min_length: int,
) -> list[AccountError]:
    """Every reason `create_user` would refuse these values, each at its field, so that a form
    shows them all at once (an email already taken and a short password together)."""
    problems = []
    checks = [
        lambda: _check_new_email(normalize_email(email)),
        lambda: check_password_policy(password, min_length=min_length, email=email),
        lambda: _check_org_for_roles(organization, roles),
    ]
    for check in checks if password else (checks[0], checks[2]):
        try:
            check()
        except AccountError as error:
            problems.append(error)
    return problems


def _check_new_email(email: str) -> None:
    if find_user_by_email(email) is not None:
        raise AccountError(N_("A user with this email address already exists."), "email")


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    password: str,
    roles: set[str],
    organization: Organization | None,
    min_length: int,
    now: datetime,
) -> User:
    email = normalize_email(email)
    _check_new_email(email)
    check_password_policy(password, min_length=min_length, email=email)
    _check_org_for_roles(organization, roles)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        organization=organization,
        password_changed_at=now,
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    record(
        "user_created",
        "user",
        user.id,
        actor,
        details={
            "email": email,
            "roles": sorted(roles),
            "organization": organization.id if organization else None,
        },
        now=now,
    )
    return user


def update_user(
    actor: User,
    user: User,
    *,
    name: str,
    roles: set[str],
    organization: Organization | None,
    active: bool,
    now: datetime,
) -> dict[str, Any]:
    """Apply an administrator's edit; returns the changes recorded."""
    if user.id == actor.id and (not active or Role.ADMIN not in roles):
        raise AccountError(
            N_("You cannot remove your own administrator role or deactivate yourself.")
        )
    _check_org_for_roles(organization, roles)
    changes: dict[str, Any] = {}
    if user.name != name.strip():
        changes["name"] = [user.name, name.strip()]
        user.name = name.strip()
    if user.roles != roles:
        changes["roles"] = [sorted(user.roles), sorted(roles)]
        user.set_roles(roles)
    new_org_id = organization.id if organization else None
    if user.organization_id != new_org_id:
        changes["organization"] = [user.organization_id, new_org_id]
        user.organization = organization
    if user.active != active:
        changes["active"] = [user.active, active]
        user.active = active
    if changes.keys() & {"roles", "active", "organization"}:
        user.session_version += 1  # signs the user out everywhere
    if changes:
        record("user_updated", "user", user.id, actor, details=changes, now=now)
    return changes


def organization_clash(
    own_id: int | None,
    *,
    name: str,
    acronym: str | None,
    country_iso2: str | None,
) -> AccountError | None:
    """The refusal for the first of name, acronym and country that an organization other
    than `own_id` (created before or after it) already has; None when all are free."""
    checks = [
        (
            "name",
            func.lower(Organization.name) == name.lower(),
            N_("Another organization (%(other)s) already has this name."),
        ),
        (
            "acronym",
            Organization.acronym == acronym if acronym else None,
            N_("Another organization (%(other)s) already has this acronym."),
        ),
        (
            "country_iso2",
            Organization.country_iso2 == country_iso2 if country_iso2 else None,
            N_("Another organization (%(other)s) already has this country."),
        ),
    ]
    for field, condition, refusal in checks:
        if condition is None:
            continue
        query = select(Organization.name).where(condition)
        if own_id is not None:
            query = query.where(Organization.id != own_id)
        other = db.session.scalar(query.limit(1))
        if other is not None:
            return AccountError(refusal, field, other=other)
    return None


def _write_organization(own_id: int | None, change: Callable[[], None], **values: Any) -> None:
    """Make `change` and write it now, inside a savepoint, so that the database's own unique
    constraints refuse a name, acronym or country saved by someone else meanwhile: as a field
    error, the rest of the transaction intact. (The change is made inside the savepoint: the
    savepoint's start flushes what is pending, outside its protection.)"""
    try:
        with db.session.begin_nested():
            change()
            db.session.flush()
    except IntegrityError:
        with db.session.no_autoflush:
            clash = organization_clash(own_id, **values)
        raise clash or AccountError(
            N_("Another organization was saved with this name, acronym or country meanwhile.")
        ) from None


def save_organization(
    actor: User,
    organization: Organization | None,
    *,
    name: str,
    acronym: str | None,
    kind: str,
    country_iso2: str | None,
    iati_org_id: str | None,
    committee_member: bool,
    active: bool,
    now: datetime,
) -> Organization:
    """Create (organization=None) or update an organization."""
    kind = OrganizationKind(kind)
    name, acronym = name.strip(), (acronym or "").strip() or None
    if kind is OrganizationKind.MEMBER_STATE and not country_iso2:
        raise AccountError(N_("Choose the country of this member state."), "country_iso2")
    if kind is not OrganizationKind.MEMBER_STATE:
        country_iso2 = None
    if committee_member and kind is not OrganizationKind.UN_ENTITY:
        raise AccountError(N_("Only a UN entity can sit on the committee."), "committee_member")
    if organization is not None and organization.committee_member and not committee_member:
        _check_no_committee_members(organization)
    own_id = organization.id if organization is not None else None
    clash = organization_clash(own_id, name=name, acronym=acronym, country_iso2=country_iso2)
    if clash is not None:
        raise clash
    values = {
        "name": name,
        "acronym": acronym,
        "kind": kind.value,
        "country_iso2": country_iso2,
        "iati_org_id": (iati_org_id or "").strip() or None,
        "committee_member": committee_member,
        "active": active,
    }
    unique = {"name": name, "acronym": acronym, "country_iso2": country_iso2}
    if organization is None:
        organization = Organization(**values)
        _write_organization(None, lambda: db.session.add(organization), **unique)
        record(
            "organization_created", "organization", organization.id, actor, details=values, now=now
        )
        return organization
    changes = {
        key: [getattr(organization, key), value]
        for key, value in values.items()
        if getattr(organization, key) != value
    }
    if changes:

        def change() -> None:
            for key, value in values.items():
                setattr(organization, key, value)

        _write_organization(own_id, change, **unique)
        record(
            "organization_updated", "organization", organization.id, actor, details=changes, now=now
        )
    return organization
