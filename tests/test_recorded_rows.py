"""fund.finance.models.Recorded: a money row stamped with who recorded it and when."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

from fund.finance.agent_models import InterestEntry
from fund.finance.closure_models import Refund
from fund.finance.models import Disbursement


def test_by_stamps_the_recorder_and_the_moment_on_the_new_row():
    actor = SimpleNamespace(id=42)
    now = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    for model, fields in (
        (Disbursement, {"organization_id": 3, "paid_on": date(2026, 3, 30)}),
        (Refund, {"organization_id": 3, "received_on": date(2026, 3, 30)}),
        (InterestEntry, {"earned_on": date(2026, 3, 30)}),
    ):
        row = model.by(actor, now, amount=Decimal("10.00"), **fields)
        assert isinstance(row, model)
        assert (row.recorded_by_id, row.recorded_at, row.amount) == (42, now, Decimal("10.00"))
        assert all(getattr(row, name) == value for name, value in fields.items())
