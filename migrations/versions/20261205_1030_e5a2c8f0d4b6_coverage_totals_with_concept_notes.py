"""coverage totals with the concept notes in the pipeline

The kept coverage totals (method 3) count the concept notes approved into the pipeline under
the status `note:pipeline`. Totals of method 2 are the same figures when no concept note is in
the pipeline: they are marked as method 3 then; otherwise they are emptied and the dashboard
aggregates from the rows until `flask fund caches --rebuild` (or `flask fund seed`) builds them
again. The downgrade drops the concept notes' rows and marks the totals as method 2.

Revision ID: e5a2c8f0d4b6
Revises: e5b8c2f7a914
Create Date: 2026-12-05 10:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e5a2c8f0d4b6"
down_revision = "e5b8c2f7a914"
branch_labels = None
depends_on = None

TOTALS = sa.table(
    "coverage_totals",
    sa.column("status", sa.String),
    sa.column("dimension", sa.String),
    sa.column("amount", sa.BigInteger),
)
PROPOSALS = sa.table("proposals", sa.column("kind", sa.String), sa.column("status", sa.String))
META = sa.and_(TOTALS.c.status == "*", TOTALS.c.dimension == "rate")


def upgrade():
    bind = op.get_bind()
    notes = bind.execute(
        sa.select(sa.func.count())
        .select_from(PROPOSALS)
        .where(PROPOSALS.c.kind == "concept_note", PROPOSALS.c.status == "pipeline")
    ).scalar()
    if notes:
        bind.execute(sa.delete(TOTALS))
    else:
        bind.execute(sa.update(TOTALS).where(META, TOTALS.c.amount == 2).values(amount=3))


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.delete(TOTALS).where(TOTALS.c.status.like("note:%")))
    bind.execute(sa.update(TOTALS).where(META, TOTALS.c.amount == 3).values(amount=2))
