"""a change counter for the committee's rounds, places and votes

A third counter, `committee`, moved by every statement that changes `voting_rounds`,
`round_members` or `votes` (as the `results` and `money` counters, `fund.changes`). The member's
counts (rounds awaiting the seat's vote, recusals, votes cast) are kept under it instead of
being counted over every open round at each request.

Revision ID: b7e2f4a9c815
Revises: a1d5c8e3f702
Create Date: 2026-12-16 13:00:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e2f4a9c815"
down_revision = "a1d5c8e3f702"
branch_labels = None
depends_on = None

NAME = "committee"
TABLES = ("voting_rounds", "round_members", "votes")
EVENTS = ("insert", "update", "delete")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    counters = sa.table(
        "change_counters",
        sa.column("name", sa.String),
        sa.column("epoch", sa.String),
        sa.column("changes", sa.BigInteger),
    )
    op.bulk_insert(counters, [{"name": NAME, "epoch": secrets.token_hex(16), "changes": 0}])
    bump = f"UPDATE change_counters SET changes = changes + 1 WHERE name = '{NAME}'"
    for table in TABLES:
        if _postgresql():
            # `fund_count_change` (migration e6a1c9d3b247): deferred to the commit, once a
            # transaction.
            op.execute(
                f"CREATE CONSTRAINT TRIGGER tr_{table}_{NAME} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED "
                f"FOR EACH ROW EXECUTE FUNCTION fund_count_change('{NAME}')"
            )
        else:
            for event in EVENTS:
                op.execute(
                    f"CREATE TRIGGER tr_{table}_{event}_{NAME} AFTER {event.upper()} ON {table} "
                    f"BEGIN {bump}; END"
                )


def downgrade():
    for table in TABLES:
        if _postgresql():
            op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_{NAME} ON {table}")
        else:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_{event}_{NAME}")
    op.execute(f"DELETE FROM change_counters WHERE name = '{NAME}'")
