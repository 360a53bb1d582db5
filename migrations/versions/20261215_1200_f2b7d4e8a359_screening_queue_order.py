"""the screening queue in order, state by state, from one index

`ix_proposals_status_submitted_at_id` (status, submitted_at, id) replaces the index of the
status alone: the queue's first page is chosen from the first rows of each state in the order
of their submission, read from the index, instead of sorting every proposal in the queue.

Revision ID: f2b7d4e8a359
Revises: e6a1c9d3b247
Create Date: 2026-12-15 12:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "f2b7d4e8a359"
down_revision = "e6a1c9d3b247"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_proposals_status_submitted_at_id",
        "proposals",
        ["status", "submitted_at", "id"],
        unique=False,
    )
    op.drop_index("ix_proposals_status", table_name="proposals")


def downgrade():
    op.create_index("ix_proposals_status", "proposals", ["status"], unique=False)
    op.drop_index("ix_proposals_status_submitted_at_id", table_name="proposals")
