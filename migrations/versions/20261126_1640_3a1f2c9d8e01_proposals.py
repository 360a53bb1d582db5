"""proposals with workflow state and version counter

Revision ID: 3a1f2c9d8e01
Revises: 7bc4e13f9a58
Create Date: 2026-11-26 16:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "3a1f2c9d8e01"
down_revision = "7bc4e13f9a58"
branch_labels = None
depends_on = None

STATES = (
    "'draft', 'submitted', 'screening', 'returned', 'ineligible', 'committee_review', "
    "'approved', 'rejected', 'funded', 'closed', 'withdrawn'"
)


def upgrade():
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"status IN ({STATES})", name=op.f("ck_proposals_status_valid")),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_proposals_call_id_calls")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_proposals_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_proposals_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_call_id"), ["call_id"])
        batch_op.create_index(batch_op.f("ix_proposals_organization_id"), ["organization_id"])
        batch_op.create_index(batch_op.f("ix_proposals_status"), ["status"])


def downgrade():
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_status"))
        batch_op.drop_index(batch_op.f("ix_proposals_organization_id"))
        batch_op.drop_index(batch_op.f("ix_proposals_call_id"))
    op.drop_table("proposals")
