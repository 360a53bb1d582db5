"""a change counter for the proposal lists' totals and filter choices

A fourth counter, `listing` (`fund.changes`), moved by a proposal inserted or deleted or whose
status or organization changes, and by any change to the proposals' countries, the
organizations or the countries. The proposal lists' filter choices (the organizations and
countries of the proposals a person sees) and their totals by status are kept under it: both
were read over every proposal at each request.

Revision ID: c8f3a6d2e917
Revises: b7e2f4a9c815
Create Date: 2026-12-16 14:00:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c8f3a6d2e917"
down_revision = "b7e2f4a9c815"
branch_labels = None
depends_on = None

NAME = "listing"
TABLES = ("proposal_countries", "organizations", "countries")
EVENTS = ("insert", "update", "delete")
# The proposals' changes that move it: the columns the totals and the choices read.
PROPOSAL_EVENTS = {
    "insert": "INSERT",
    "update": "UPDATE OF status, organization_id",
    "delete": "DELETE",
}


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
    if _postgresql():
        # `fund_count_change` (migration e6a1c9d3b247): deferred to the commit, once a
        # transaction.
        for table in TABLES:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER tr_{table}_{NAME} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED "
                f"FOR EACH ROW EXECUTE FUNCTION fund_count_change('{NAME}')"
            )
        op.execute(
            f"CREATE CONSTRAINT TRIGGER tr_proposals_{NAME} "
            f"AFTER {' OR '.join(PROPOSAL_EVENTS.values())} ON proposals "
            f"DEFERRABLE INITIALLY DEFERRED "
            f"FOR EACH ROW EXECUTE FUNCTION fund_count_change('{NAME}')"
        )
        return
    for table in TABLES:
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER tr_{table}_{event}_{NAME} AFTER {event.upper()} ON {table} "
                f"BEGIN {bump}; END"
            )
    for event, when in PROPOSAL_EVENTS.items():
        op.execute(
            f"CREATE TRIGGER tr_proposals_{event}_{NAME} AFTER {when} ON proposals "
            f"BEGIN {bump}; END"
        )


def downgrade():
    if _postgresql():
        for table in (*TABLES, "proposals"):
            op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_{NAME} ON {table}")
    else:
        for table in (*TABLES, "proposals"):
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_{event}_{NAME}")
    op.execute(f"DELETE FROM change_counters WHERE name = '{NAME}'")
