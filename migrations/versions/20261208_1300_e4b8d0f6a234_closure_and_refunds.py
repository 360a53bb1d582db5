"""closure and refunds

A programme's closure (when, by whom, the reason, what was allocated but never paid out and
went back to the pools), each participating organization's final expenditure with its refund
due, and the refunds received with the pools they went back to. On the allocation's sources:
what went back to each pool at closure (`released`) and by refunds (`refunded`), within what
the source holds unpaid and paid out.

Revision ID: e4b8d0f6a234
Revises: d3a7c9e5f123
Create Date: 2026-12-08 13:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4b8d0f6a234"
down_revision = "d3a7c9e5f123"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=14, scale=2)


def upgrade() -> None:
    with op.batch_alter_table("allocation_sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("released", MONEY, server_default="0", nullable=False))
        batch_op.add_column(sa.Column("refunded", MONEY, server_default="0", nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_allocation_sources_released_within_unpaid"),
            "released >= 0 AND disbursed + released <= amount",
        )
        batch_op.create_check_constraint(
            op.f("ck_allocation_sources_refunded_within_paid"),
            "refunded >= 0 AND refunded <= disbursed",
        )
    op.create_table(
        "programme_closures",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("released", MONEY, nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "released >= 0", name=op.f("ck_programme_closures_released_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["allocations.id"],
            name=op.f("fk_programme_closures_allocation_id_allocations"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_programme_closures_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_programme_closures_proposal_id_proposals"),
        ),
        sa.PrimaryKeyConstraint("proposal_id", name=op.f("pk_programme_closures")),
        sa.UniqueConstraint("allocation_id", name=op.f("uq_programme_closures_allocation_id")),
    )
    op.create_table(
        "closure_shares",
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("transferred", MONEY, nullable=False),
        sa.Column("final_expenditure", MONEY, nullable=False),
        sa.Column("refunded", MONEY, nullable=False),
        sa.CheckConstraint(
            "final_expenditure >= 0 AND final_expenditure <= transferred",
            name=op.f("ck_closure_shares_expenditure_within_transferred"),
        ),
        sa.CheckConstraint(
            "refunded >= 0 AND refunded <= transferred - final_expenditure",
            name=op.f("ck_closure_shares_refunded_within_due"),
        ),
        sa.ForeignKeyConstraint(
            ["allocation_id", "organization_id"],
            ["allocation_shares.allocation_id", "allocation_shares.organization_id"],
            name="fk_closure_shares_allocation_share",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_closure_shares_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("allocation_id", "organization_id", name=op.f("pk_closure_shares")),
    )
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["allocation_id", "organization_id"],
            ["closure_shares.allocation_id", "closure_shares.organization_id"],
            name="fk_refunds_closure_share",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_refunds_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_refunds_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refunds_allocation_id"), ["allocation_id"])
    op.create_table(
        "refund_pools",
        sa.Column("refund_id", sa.Integer(), nullable=False),
        sa.Column("pool_code", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refund_pools_amount_positive")),
        sa.ForeignKeyConstraint(
            ["pool_code"], ["pools.code"], name=op.f("fk_refund_pools_pool_code_pools")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["refunds.id"],
            name=op.f("fk_refund_pools_refund_id_refunds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("refund_id", "pool_code", name=op.f("pk_refund_pools")),
    )


def downgrade() -> None:
    op.drop_table("refund_pools")
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refunds_allocation_id"))
    op.drop_table("refunds")
    op.drop_table("closure_shares")
    op.drop_table("programme_closures")
    with op.batch_alter_table("allocation_sources", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_allocation_sources_refunded_within_paid"), type_="check")
        batch_op.drop_constraint(
            op.f("ck_allocation_sources_released_within_unpaid"), type_="check"
        )
        batch_op.drop_column("refunded")
        batch_op.drop_column("released")
