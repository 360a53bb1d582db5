"""allocations read the latest first from an index

`ix_allocations_allocated_on_id`: the finance page lists the allocations by the day they were
made, the latest first, a page at a time; read in that order instead of sorting all of them.

Revision ID: b9d5f3a7c012
Revises: f7b3d9e2c456
Create Date: 2026-12-12 11:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b9d5f3a7c012"
down_revision = "f7b3d9e2c456"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_allocations_allocated_on_id", "allocations", ["allocated_on", "id"], unique=False
    )


def downgrade():
    op.drop_index("ix_allocations_allocated_on_id", table_name="allocations")
