"""How many failed sign-ins are allowed within a window of time: the rule of the account
lockout (`operations.authenticate`: too many for one account lock it) and of the throttle per
network address (`throttle`: too many from one address make it wait)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class AttemptLimit:
    """At most `attempts` failed sign-ins within `window`."""

    attempts: int
    window: timedelta

    @classmethod
    def account_lockout(cls, config: Mapping[str, Any]) -> AttemptLimit:
        """`LOGIN_LOCKOUT_ATTEMPTS` failed sign-ins within `LOGIN_LOCKOUT_WINDOW_SECONDS`
        lock the account."""
        return cls(
            attempts=config["LOGIN_LOCKOUT_ATTEMPTS"],
            window=timedelta(seconds=config["LOGIN_LOCKOUT_WINDOW_SECONDS"]),
        )

    @classmethod
    def address_throttle(cls, config: Mapping[str, Any]) -> AttemptLimit:
        """`LOGIN_ADDRESS_ATTEMPTS` failed sign-ins from one network address within
        `LOGIN_ADDRESS_WINDOW_SECONDS` make the address wait."""
        return cls(
            attempts=config["LOGIN_ADDRESS_ATTEMPTS"],
            window=timedelta(seconds=config["LOGIN_ADDRESS_WINDOW_SECONDS"]),
        )
