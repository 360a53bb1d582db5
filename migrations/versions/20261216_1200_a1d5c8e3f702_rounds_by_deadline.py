"""the rounds of one status by deadline, for the member's lists and the meeting

`ix_voting_rounds_status_deadline` (status, deadline IS NULL, deadline, opened_at, id,
revision_id): the first page of the open rounds nearest their deadline is read from the index,
as far as the page, instead of sorting every open round at each request; the meeting's figures
(open rounds, past their deadline, about a revision) are counted from the index alone.

Revision ID: a1d5c8e3f702
Revises: f2b7d4e8a359
Create Date: 2026-12-16 12:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a1d5c8e3f702"
down_revision = "f2b7d4e8a359"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_voting_rounds_status_deadline",
        "voting_rounds",
        ["status", sa.text("(deadline IS NULL)"), "deadline", "opened_at", "id", "revision_id"],
    )


def downgrade():
    op.drop_index("ix_voting_rounds_status_deadline", table_name="voting_rounds")
