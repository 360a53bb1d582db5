"""proposals keep when they were approved and their total at approval

The finance pipeline orders the approved proposals by approval time and adds up their totals;
both were looked up for every proposal (the audit trail, the budget lines) at each view. The
approval time is filled from the audit trail's `approve` events; the total of each proposal
now approved from its budget lines at the configured indirect support rate.

Revision ID: 8e3b5f0c6d21
Revises: 4c7d2e9a1b05
Create Date: 2026-11-27 12:00:00

"""
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e3b5f0c6d21'
down_revision = '4c7d2e9a1b05'
branch_labels = None
depends_on = None

CENT = Decimal("0.01")


def _rate() -> Decimal:
    try:
        from flask import current_app

        return Decimal(str(current_app.config["INDIRECT_SUPPORT_RATE"]))
    except (RuntimeError, KeyError):  # outside the application
        return Decimal("0.07")


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('approved_total', sa.Numeric(precision=14, scale=2), nullable=True)
        )
        batch_op.add_column(sa.Column('approved_rate', sa.String(length=16), nullable=True))

    connection = op.get_bind()
    proposals = sa.table(
        'proposals',
        sa.column('id', sa.Integer),
        sa.column('approved_total', sa.Numeric(14, 2)),
        sa.column('approved_rate', sa.String),
    )
    # Copied as stored (SQLite keeps UTC text without an offset, as the application does).
    times = [
        {"key": int(row.subject_id), "when": row.approved_at}
        for row in connection.execute(sa.text(
            "SELECT subject_id, max(occurred_at) AS approved_at FROM audit_events "
            "WHERE subject_type = 'proposal' AND action = 'approve' GROUP BY subject_id"
        ))
    ]
    if times:
        connection.execute(
            sa.text("UPDATE proposals SET approved_at = :when WHERE id = :key"), times
        )

    # The total as funding computes it: per organization, direct + indirect rounded half-up.
    rate = _rate()
    direct = defaultdict(lambda: defaultdict(Decimal))
    for row in connection.execute(sa.text(
        "SELECT b.proposal_id, b.organization_id, b.amount FROM budget_lines b "
        "JOIN proposals p ON p.id = b.proposal_id "
        "WHERE p.status = 'approved' AND b.amount IS NOT NULL"
    )):
        direct[row.proposal_id][row.organization_id] += _cents(row.amount)
    totals = [
        {
            "key": proposal_id,
            "total": sum(
                (d + (d * rate).quantize(CENT, rounding=ROUND_HALF_UP) for d in by_org.values()),
                Decimal("0.00"),
            ),
            "rate": format(rate.normalize(), "f"),
        }
        for proposal_id, by_org in direct.items()
    ]
    if totals:
        connection.execute(
            proposals.update()
            .where(proposals.c.id == sa.bindparam("key"))
            .values(approved_total=sa.bindparam("total"), approved_rate=sa.bindparam("rate")),
            totals,
        )


def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('approved_rate')
        batch_op.drop_column('approved_total')
        batch_op.drop_column('approved_at')
