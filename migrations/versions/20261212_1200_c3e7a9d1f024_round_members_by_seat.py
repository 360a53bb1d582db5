"""a seat's places in rounds, by recusal, from one index

`ix_round_members_seat_recusal_round` (seat, recusal, round) replaces the index of the seat
alone: the member's page finds the open rounds awaiting the seat's vote (recusal is null) and
those it is recused from (not null) by the seat and the recusal, instead of joining every
seat's place in every open round and keeping the seat's afterwards.

Revision ID: c3e7a9d1f024
Revises: b9d5f3a7c012
Create Date: 2026-12-12 12:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c3e7a9d1f024"
down_revision = "b9d5f3a7c012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_round_members_seat_recusal_round",
        "round_members",
        ["seat_id", "recusal", "round_id"],
        unique=False,
    )
    op.drop_index("ix_round_members_seat_id", table_name="round_members")


def downgrade():
    op.create_index("ix_round_members_seat_id", "round_members", ["seat_id"], unique=False)
    op.drop_index("ix_round_members_seat_recusal_round", table_name="round_members")
