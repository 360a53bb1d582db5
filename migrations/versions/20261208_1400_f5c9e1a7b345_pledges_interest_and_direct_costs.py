"""pledges, interest and direct costs

Revision ID: f5c9e1a7b345
Revises: e4b8d0f6a234
Create Date: 2026-12-08 14:00:00

"""

# revision identifiers, used by Alembic.
revision = "f5c9e1a7b345"
down_revision = "e4b8d0f6a234"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
