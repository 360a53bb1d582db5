"""Guards of the proposal workflow owned by the committee."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def committee_approved(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    return ["This step needs a closed committee vote, which is not recorded yet."]


def committee_rejected(proposal, actor, context: Mapping[str, Any]) -> list[str]:
    return ["This step needs a closed committee vote, which is not recorded yet."]
