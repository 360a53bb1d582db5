"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# The application's default (config.py); `configure` sets the configured cost at start.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def configure(time_cost: int, memory_cost_kib: int, parallelism: int = 1) -> None:
    """Set the cost of new hashes (tests use a cheap setting). A hash made with other settings
    still verifies, and is replaced at the next sign-in (`needs_rehash`)."""
    global _hasher, DUMMY_HASH
    wanted = (time_cost, memory_cost_kib, parallelism)
    if (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism) != wanted:
        _hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
        )
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
