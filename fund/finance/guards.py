"""Guards of the proposal workflow owned by the fund's finances."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def funds_available(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    return ["This step needs the fund's balance, which is not recorded yet."]


def fully_disbursed_or_reason(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    return ["This step needs the disbursement records, which are not recorded yet."]
