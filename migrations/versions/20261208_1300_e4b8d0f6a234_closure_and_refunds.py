"""closure and refunds

Revision ID: e4b8d0f6a234
Revises: d3a7c9e5f123
Create Date: 2026-12-08 13:00:00

"""

# revision identifiers, used by Alembic.
revision = "e4b8d0f6a234"
down_revision = "d3a7c9e5f123"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
