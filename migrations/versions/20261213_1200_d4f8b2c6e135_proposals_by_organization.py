"""an organization's proposals, newest change first, from one index

`ix_proposals_organization_updated_at_id` (organization, updated_at, id) replaces the index of
the organization alone: an applicant's list reads its first page from the index in order,
instead of sorting every proposal the organization ever made.

Revision ID: d4f8b2c6e135
Revises: c3e7a9d1f024
Create Date: 2026-12-13 12:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d4f8b2c6e135"
down_revision = "c3e7a9d1f024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_proposals_organization_updated_at_id",
        "proposals",
        ["organization_id", "updated_at", "id"],
        unique=False,
    )
    op.drop_index("ix_proposals_organization_id", table_name="proposals")


def downgrade():
    op.create_index("ix_proposals_organization_id", "proposals", ["organization_id"], unique=False)
    op.drop_index("ix_proposals_organization_updated_at_id", table_name="proposals")
