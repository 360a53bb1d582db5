"""budget years and the transfer schedule

Each budget line falls in a programme year (existing lines: year 1); a funded programme's
transfer schedule plans, per participating organization, one tranche per programme year. The
allocations made before have their whole budget in year 1: each share is one tranche, dated
the funding date, as the schedule would plan it.

Revision ID: b1e5a7c3d901
Revises: a9d4c1e7b320
Create Date: 2026-12-08 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b1e5a7c3d901"
down_revision = "a9d4c1e7b320"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("year", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_check_constraint(op.f("ck_budget_lines_year_positive"), "year >= 1")

    op.create_table(
        "planned_tranches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_planned_tranches_amount_positive")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_planned_tranches_number_positive")),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["allocations.id"],
            name=op.f("fk_planned_tranches_allocation_id_allocations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_planned_tranches_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_tranches")),
        sa.UniqueConstraint(
            "allocation_id",
            "organization_id",
            "number",
            name=op.f("uq_planned_tranches_allocation_id_organization_id_number"),
        ),
    )
    with op.batch_alter_table("planned_tranches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_planned_tranches_allocation_id"), ["allocation_id"], unique=False
        )
    op.execute(
        "INSERT INTO planned_tranches "
        "(allocation_id, organization_id, number, planned_on, amount, planned_at) "
        "SELECT s.allocation_id, s.organization_id, 1, a.allocated_on, s.amount, a.recorded_at "
        "FROM allocation_shares s JOIN allocations a ON a.id = s.allocation_id "
        "WHERE s.amount > 0"
    )


def downgrade() -> None:
    with op.batch_alter_table("planned_tranches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planned_tranches_allocation_id"))
    op.drop_table("planned_tranches")

    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_budget_lines_year_positive"), type_="check")
        batch_op.drop_column("year")
