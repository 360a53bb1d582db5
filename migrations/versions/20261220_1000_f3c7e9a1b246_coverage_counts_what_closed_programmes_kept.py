"""coverage counts what closed programmes kept

The kept coverage totals (method 4) count a closed programme at what it kept (what was
transferred to it less its refunds), not at its whole budget. Totals of method 3 are the same
figures when no programme was closed: they are marked as method 4 then; otherwise they are
emptied and the dashboard aggregates from the rows until `flask fund caches --rebuild` (or
`flask fund seed`) builds them again. The downgrade empties them where a programme was closed
and otherwise marks them as method 3.

Revision ID: f3c7e9a1b246
Revises: e2b6d8f4a135
Create Date: 2026-12-20 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f3c7e9a1b246"
down_revision = "e2b6d8f4a135"
branch_labels = None
depends_on = None

TOTALS = sa.table(
    "coverage_totals",
    sa.column("status", sa.String),
    sa.column("dimension", sa.String),
    sa.column("amount", sa.BigInteger),
)
CLOSURES = sa.table("programme_closures", sa.column("proposal_id", sa.Integer))
META = sa.and_(TOTALS.c.status == "*", TOTALS.c.dimension == "rate")


def _closures(bind) -> int:
    return bind.execute(sa.select(sa.func.count()).select_from(CLOSURES)).scalar()


def upgrade():
    bind = op.get_bind()
    if _closures(bind):
        bind.execute(sa.delete(TOTALS))
    else:
        bind.execute(sa.update(TOTALS).where(META, TOTALS.c.amount == 3).values(amount=4))


def downgrade():
    bind = op.get_bind()
    if _closures(bind):
        bind.execute(sa.delete(TOTALS))
    else:
        bind.execute(sa.update(TOTALS).where(META, TOTALS.c.amount == 4).values(amount=3))
