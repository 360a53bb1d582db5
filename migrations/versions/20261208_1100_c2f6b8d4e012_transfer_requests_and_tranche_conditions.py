"""transfer requests and tranche conditions

Revision ID: c2f6b8d4e012
Revises: b1e5a7c3d901
Create Date: 2026-12-08 11:00:00

"""

# revision identifiers, used by Alembic.
revision = "c2f6b8d4e012"
down_revision = "b1e5a7c3d901"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
