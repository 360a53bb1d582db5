"""Read models of the fund's money, each in a fixed number of SQL queries.

- `balance`: the money in total and per pool;
- `pipeline`: approved proposals awaiting funding, with a running total;
- `lists`: contributions, allocations, a proposal's payments;
- `as_of`: the records as they stood at the end of a day, for reports.

The funding rule itself (which pools pay, in which order) is `fund.finance.funding`; SQL that
differs between SQLite and PostgreSQL is `fund.dialects`.

SQLite keeps NUMERIC values as binary floats, so every amount read back is rounded to the cent
(`fund.money.read_amount`); PostgreSQL returns exact decimals and the rounding changes nothing
there. Sums over many rows and running totals are taken in whole cents (`fund.money.sql_cents`,
`fund.dialects.cents_sum`: integers, exact however many rows are added) and turned back into
Decimals (`fund.money.from_cents`).

The balance page lists long tables (the pipeline, the allocations) a page at a time; their
counts, totals and the running total at the top of a page come from SQL aggregates over the
whole list, never from the rows of the page.

The names below are those other packages read from here.
"""

from fund.finance.funding import funding_plan, plan_draws, proposal_budget
from fund.finance.queries.as_of import proposal_state_as_of
from fund.finance.queries.balance import balance, voided_contributions
from fund.finance.queries.lists import allocations, allocations_page, contributions
from fund.finance.queries.pipeline import indirect_cents, pipeline, pipeline_ledger, pipeline_page

__all__ = [
    "allocations",
    "allocations_page",
    "balance",
    "contributions",
    "funding_plan",
    "indirect_cents",
    "pipeline",
    "pipeline_ledger",
    "pipeline_page",
    "plan_draws",
    "proposal_budget",
    "proposal_state_as_of",
    "voided_contributions",
]
