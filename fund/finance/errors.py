"""The refusal of a money operation."""

from __future__ import annotations

from fund.refusals import Refused


class FinanceError(Refused):
    """A money operation refused, with a sentence for the person (`fund.refusals.Refused`)."""
