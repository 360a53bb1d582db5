"""budget years and the transfer schedule

Revision ID: b1e5a7c3d901
Revises: a9d4c1e7b320
Create Date: 2026-12-08 10:00:00

"""

# revision identifiers, used by Alembic.
revision = "b1e5a7c3d901"
down_revision = "a9d4c1e7b320"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
