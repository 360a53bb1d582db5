"""A record's amount summed over its rows (`fund.money.total_of`) and amounts on a chart's
axis (`fund.money.axis_amount`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from fund.finance.status import FundingStatus, OrganizationStatus
from fund.money import axis_amount, plain_number, total_of


@dataclass(frozen=True)
class Line:
    amount: Decimal


@dataclass(frozen=True)
class Sheet:
    lines: list[Line] = field(default_factory=list)

    total = total_of("lines", "amount")


def test_sums_the_rows_exactly():
    sheet = Sheet([Line(Decimal("0.10")), Line(Decimal("0.20")), Line(Decimal("1000000.01"))])
    assert sheet.total == Decimal("1000000.31")
    assert isinstance(sheet.total, Decimal)


def test_no_rows_give_an_amount_not_the_integer_zero():
    empty = Sheet().total
    assert isinstance(empty, Decimal)
    assert str(empty) == "0.00"


def test_is_not_a_field_of_the_record():
    assert list(Sheet.__dataclass_fields__) == ["lines"]
    assert Sheet.total.__doc__ == "The sum of amount over lines."


def test_the_funding_status_totals_follow_its_organizations():
    status = FundingStatus()
    assert str(status.transfers) == "0.00"
    status.organizations.append(
        OrganizationStatus(1, "ILO", "ILO", "ILO", transfers=Decimal("5.05"))
    )
    status.organizations.append(
        OrganizationStatus(2, "IOM", "IOM", "IOM", transfers=Decimal("0.95"))
    )
    assert status.transfers == Decimal("6.00")


@pytest.mark.parametrize(
    ("amount", "label"),
    [
        (Decimal("0"), "0"),
        (Decimal("0.00"), "0"),
        (Decimal("999"), "999"),
        (Decimal("1000"), "1k"),
        (Decimal("250000.00"), "250k"),
        (Decimal("1500000"), "1.5M"),
        (Decimal("12000000"), "12M"),
        (2_500, "2.5k"),
    ],
)
def test_axis_amounts_are_short(amount, label):
    assert axis_amount(amount) == label


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        (Decimal("0.0700"), "0.07"),
        (Decimal("1.0825"), "1.0825"),
        (Decimal("100.00"), "100"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.000"), "0"),
        (Decimal("-2.50"), "-2.5"),
        ("0.07", "0.07"),
        (12, "12"),
    ],
)
def test_a_number_is_written_as_typed(value, plain):
    assert plain_number(value) == plain


def test_a_rate_set_as_a_number_is_read_as_written_everywhere(app):
    """A deployment setting the indirect support rate as a number (0.07) gets 0.07 in the
    submission rules as in coverage (every reading goes through
    `fund.money.configured_indirect_rate`), not the binary fraction 0.0700000000000000066..."""
    from decimal import Decimal

    from fund.coverage.model import CoverageSettings
    from fund.proposals.operations import rules_from_config

    config = {**app.config, "INDIRECT_SUPPORT_RATE": 0.07}
    assert rules_from_config(config).indirect_rate == Decimal("0.07")
    assert CoverageSettings.from_config(config).indirect_rate == Decimal("0.07")


def test_the_currency_signs_a_page_reads_come_in_one_order_in_every_process():
    """The amount fields' list of currency signs (in French "$US", "USD", "$") is the same in
    every process, whatever its hash seed: the longest first, then in alphabetical order."""
    import os
    import subprocess
    import sys

    script = "from fund.money import writing; print(writing('fr').currencies)"
    found = set()
    for seed in ("0", "1", "2", "3", "4", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
        )
        found.add(done.stdout.strip())
    assert found == {"('$US', 'USD', '$')"}
