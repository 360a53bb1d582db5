"""coverage totals of per-programme whole cents

The coverage totals now hold each programme's whole cents on every dimension (indirect costs
apportioned per programme and organization, areas and regions split per programme), no longer
figures apportioned over whole columns. Totals of the earlier method are emptied: a database
without proposals in a counted state gets the meta row of the new method for the default rate
(0.07), complete from the start; otherwise the dashboard aggregates the budget lines until
`flask fund coverage --rebuild` (or `flask fund seed`) builds the totals again.

Revision ID: 7a3e9c1d5b42
Revises: c4f1a7d2e9b3
Create Date: 2026-12-03 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a3e9c1d5b42'
down_revision = 'c4f1a7d2e9b3'
branch_labels = None
depends_on = None

COUNTED = ("funded", "closed", "approved", "committee_review")
METHOD = 2


def _reset(method: int) -> None:
    totals = sa.table(
        'coverage_totals',
        sa.column('status', sa.String),
        sa.column('dimension', sa.String),
        sa.column('key', sa.String),
        sa.column('amount', sa.BigInteger),
        sa.column('indirect', sa.BigInteger),
        sa.column('programmes', sa.Integer),
    )
    proposals = sa.table('proposals', sa.column('status', sa.String))
    bind = op.get_bind()
    bind.execute(sa.delete(totals))
    counted = bind.execute(
        sa.select(sa.func.count()).select_from(proposals).where(proposals.c.status.in_(COUNTED))
    ).scalar()
    if not counted:
        bind.execute(
            sa.insert(totals).values(
                status='*', dimension='rate', key='0.07', amount=method, indirect=0, programmes=0
            )
        )


def upgrade():
    _reset(METHOD)


def downgrade():
    _reset(0)
