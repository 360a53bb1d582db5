"""fund.extensions.within: a column between zero and a bound, checked by the database."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, MetaData, Numeric, Table, create_engine, insert
from sqlalchemy.exc import IntegrityError

from fund.extensions import within


def test_within_keeps_a_column_between_zero_and_its_bound():
    rule = within("paid", "amount - kept", "paid_within_rest")
    assert rule.name == "paid_within_rest"
    assert str(rule.sqltext) == "paid >= 0 AND paid <= amount - kept"
    table = Table(
        "parts",
        MetaData(),
        Column("amount", Numeric(14, 2)),
        Column("kept", Numeric(14, 2)),
        Column("paid", Numeric(14, 2)),
        rule,
    )
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    with engine.begin() as connection:
        for paid in (0, 7, 10):
            connection.execute(insert(table).values(amount=15, kept=5, paid=paid))
    for paid in (-1, 11):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert(table).values(amount=15, kept=5, paid=paid))
