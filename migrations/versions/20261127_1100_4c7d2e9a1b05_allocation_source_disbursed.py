"""what each pool of an allocation has paid out (allocation_sources.disbursed)

The allocation's payments attributed to its pools in draw order (earmarks by code, then
unearmarked), kept by each new disbursement; existing rows are filled here from what each
allocation has paid so far.

Revision ID: 4c7d2e9a1b05
Revises: 996bd8a6fcb3
Create Date: 2026-11-27 11:00:00

"""
from collections import defaultdict
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c7d2e9a1b05'
down_revision = '996bd8a6fcb3'
branch_labels = None
depends_on = None

GENERAL = "GENERAL"


def upgrade():
    with op.batch_alter_table('allocation_sources', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('disbursed', sa.Numeric(precision=14, scale=2), server_default='0',
                      nullable=False)
        )
        batch_op.create_check_constraint(
            op.f('ck_allocation_sources_disbursed_within_amount'),
            'disbursed >= 0 AND disbursed <= amount',
        )
    connection = op.get_bind()
    paid = {
        row.allocation_id: Decimal(str(row.paid or 0)).quantize(Decimal("0.01"))
        for row in connection.execute(sa.text(
            "SELECT allocation_id, sum(disbursed) AS paid FROM allocation_shares "
            "GROUP BY allocation_id"
        ))
    }
    sources = defaultdict(list)
    for row in connection.execute(sa.text(
        "SELECT allocation_id, pool_code, amount FROM allocation_sources"
    )):
        sources[row.allocation_id].append(
            (row.pool_code, Decimal(str(row.amount)).quantize(Decimal("0.01")))
        )
    updates = []
    for allocation_id, pools in sources.items():
        left = paid.get(allocation_id, Decimal("0.00"))
        pools.sort(key=lambda pool: (pool[0] == GENERAL, pool[0]))
        for code, amount in pools:
            take = min(max(left, Decimal("0.00")), amount)
            left -= take
            if take:
                updates.append({"a": allocation_id, "p": code, "d": take})
    if updates:
        connection.execute(
            sa.text(
                "UPDATE allocation_sources SET disbursed = :d "
                "WHERE allocation_id = :a AND pool_code = :p"
            ).bindparams(sa.bindparam("d", type_=sa.Numeric(14, 2))),
            updates,
        )


def downgrade():
    with op.batch_alter_table('allocation_sources', schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f('ck_allocation_sources_disbursed_within_amount'), type_='check'
        )
        batch_op.drop_column('disbursed')
