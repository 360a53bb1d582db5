"""coverage counts a row's programmes only where they give it money

The kept coverage totals (method 5) count, in a row of an objective, thematic area, region or
organization, only the programmes that give it money: an organization that kept nothing of a
closed programme no longer counts it. Totals of method 4 are the same figures when no programme
was closed and every budget line and indicative total is at least 100.00 (a part of such an
amount is never nothing): they are marked as method 5 then; otherwise they are emptied and the
dashboard aggregates from the rows until `flask fund caches --rebuild` (or `flask fund seed`)
builds them again. The downgrade does the same the other way.

Revision ID: a4d8f2b6c357
Revises: f3c7e9a1b246
Create Date: 2026-12-21 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a4d8f2b6c357"
down_revision = "f3c7e9a1b246"
branch_labels = None
depends_on = None

TOTALS = sa.table(
    "coverage_totals",
    sa.column("status", sa.String),
    sa.column("dimension", sa.String),
    sa.column("amount", sa.BigInteger),
)
CLOSURES = sa.table("programme_closures", sa.column("proposal_id", sa.Integer))
LINES = sa.table("budget_lines", sa.column("amount", sa.Numeric))
INDICATIVE = sa.table("indicative_totals", sa.column("amount", sa.Numeric))
META = sa.and_(TOTALS.c.status == "*", TOTALS.c.dimension == "rate")


def _may_differ(bind) -> bool:
    """Whether a row may count a programme that gives it nothing."""
    return any(
        bind.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar()
        for table, where in (
            (CLOSURES, ()),
            (LINES, (LINES.c.amount < 100,)),
            (INDICATIVE, (INDICATIVE.c.amount < 100,)),
        )
    )


def _mark(before: int, after: int) -> None:
    bind = op.get_bind()
    if _may_differ(bind):
        bind.execute(sa.delete(TOTALS))
    else:
        bind.execute(sa.update(TOTALS).where(META, TOTALS.c.amount == before).values(amount=after))


def upgrade():
    _mark(4, 5)


def downgrade():
    _mark(5, 4)
