"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def configure(time_cost: int, memory_cost_kib: int) -> None:
    """Set the cost of new hashes (tests use a cheap setting; production keeps the default)."""
    global _hasher, DUMMY_HASH
    if (_hasher.time_cost, _hasher.memory_cost) != (time_cost, memory_cost_kib):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib)
        DUMMY_HASH = hash_password("not-a-real-password-placeholder")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Verifying against this keeps the time of a login for an unknown email like a real one.
DUMMY_HASH = hash_password("not-a-real-password-placeholder")
