"""a member's votes by the time each was cast or last changed (the member's page)

Revision ID: f7b3d9e2c456
Revises: a8c4e2f6b901
Create Date: 2026-12-10 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f7b3d9e2c456"
down_revision = "a8c4e2f6b901"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_votes_member_time",
        "votes",
        ["member_id", sa.text("coalesce(changed_at, cast_at)"), "id"],
    )


def downgrade():
    op.drop_index("ix_votes_member_time", table_name="votes")
