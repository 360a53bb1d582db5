"""coverage totals per state, objective, area, region, marker and organization

Kept up to date at every flush that changes a counted proposal (fund/coverage/totals.py), so
that the coverage dashboard reads a few hundred rows instead of every budget line.

A database without proposals in a counted state gets the meta row for the default indirect
support rate (0.07): the totals are then complete (empty) and in use from the start. A database
that already has such proposals gets no meta row: the dashboard keeps aggregating every budget
line until `flask fund coverage --rebuild` builds the totals.

Revision ID: 996bd8a6fcb3
Revises: 5be7c2d4a1f3
Create Date: 2026-11-27 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '996bd8a6fcb3'
down_revision = '5be7c2d4a1f3'
branch_labels = None
depends_on = None

COUNTED = ("funded", "closed", "approved", "committee_review")


def upgrade():
    totals = op.create_table(
        'coverage_totals',
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('dimension', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('indirect', sa.BigInteger(), nullable=False),
        sa.Column('programmes', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('status', 'dimension', 'key', name=op.f('pk_coverage_totals')),
    )
    proposals = sa.table('proposals', sa.column('status', sa.String))
    counted = op.get_bind().execute(
        sa.select(sa.func.count()).select_from(proposals).where(proposals.c.status.in_(COUNTED))
    ).scalar()
    if not counted:
        op.bulk_insert(
            totals,
            [
                {
                    'status': '*',
                    'dimension': 'rate',
                    'key': '0.07',
                    'amount': 0,
                    'indirect': 0,
                    'programmes': 0,
                }
            ],
        )


def downgrade():
    op.drop_table('coverage_totals')
