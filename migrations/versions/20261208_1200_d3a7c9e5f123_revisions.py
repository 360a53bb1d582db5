"""revisions

Revision ID: d3a7c9e5f123
Revises: c2f6b8d4e012
Create Date: 2026-12-08 12:00:00

"""

# revision identifiers, used by Alembic.
revision = "d3a7c9e5f123"
down_revision = "c2f6b8d4e012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
