"""transfer requests and tranche conditions

The secretariat's requests for a tranche to a participating organization, the tranche
conditions evaluated with each and the reason of an override; one open request per allocation
and organization (a partial unique index, SQLite and PostgreSQL).

Revision ID: c2f6b8d4e012
Revises: b1e5a7c3d901
Create Date: 2026-12-08 11:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c2f6b8d4e012"
down_revision = "b1e5a7c3d901"
branch_labels = None
depends_on = None

STATUSES = ("requested", "transferred", "cancelled")
OPEN_WHERE = "status = 'requested'"


def upgrade() -> None:
    op.create_table(
        "transfer_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tranche", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disbursement_id", sa.Integer(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_transfer_requests_amount_positive")),
        sa.CheckConstraint("tranche >= 1", name=op.f("ck_transfer_requests_tranche_positive")),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")",
            name=op.f("ck_transfer_requests_status_valid"),
        ),
        sa.CheckConstraint(
            "override_reason IS NULL OR length(override_reason) > 0",
            name=op.f("ck_transfer_requests_override_given"),
        ),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["allocations.id"],
            name=op.f("fk_transfer_requests_allocation_id_allocations"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_transfer_requests_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_transfer_requests_requested_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_transfer_requests_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["disbursement_id"],
            ["disbursements.id"],
            name=op.f("fk_transfer_requests_disbursement_id_disbursements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_requests")),
        sa.UniqueConstraint("disbursement_id", name=op.f("uq_transfer_requests_disbursement_id")),
    )
    with op.batch_alter_table("transfer_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_requests_allocation_id"), ["allocation_id"], unique=False
        )
        batch_op.create_index(
            "uq_transfer_requests_one_open",
            ["allocation_id", "organization_id"],
            unique=True,
            sqlite_where=sa.text(OPEN_WHERE),
            postgresql_where=sa.text(OPEN_WHERE),
        )


def downgrade() -> None:
    with op.batch_alter_table("transfer_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_transfer_requests_one_open")
        batch_op.drop_index(batch_op.f("ix_transfer_requests_allocation_id"))
    op.drop_table("transfer_requests")
