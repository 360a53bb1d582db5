"""counters of changes moved by triggers, for the kept results counts and finance figures

`change_counters` holds one row per counter ("results", "money"); triggers on the tables each
kept value is made from add one to its counter at every statement that changes them, in the
same transaction (`fund.changes`). The kept values' keys read that row instead of aggregates
over every outcome, indicator, target and allocation.

Revision ID: e6a1c9d3b247
Revises: d4f8b2c6e135
Create Date: 2026-12-14 12:00:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e6a1c9d3b247"
down_revision = "d4f8b2c6e135"
branch_labels = None
depends_on = None

WATCHED = {
    "results": (
        "result_outcomes",
        "result_outcome_objectives",
        "result_indicators",
        "indicator_targets",
        "indicator_actuals",
        "objective_thematic_areas",
    ),
    "money": ("allocations", "allocation_sources", "allocation_shares"),
}
FUNDED = "('funded', 'closed')"
# A proposal's row moves the results counter when it is, or was, in a funded state.
PROPOSAL_EVENTS = {
    "insert": f"NEW.status IN {FUNDED}",
    "update": f"OLD.status IN {FUNDED} OR NEW.status IN {FUNDED}",
    "delete": f"OLD.status IN {FUNDED}",
}
EVENTS = ("insert", "update", "delete")


def _bump(name: str) -> str:
    return f"UPDATE change_counters SET changes = changes + 1 WHERE name = '{name}'"


def _sqlite_triggers():
    for name, tables in WATCHED.items():
        for table in tables:
            for event in EVENTS:
                yield (
                    f"CREATE TRIGGER tr_{table}_{event}_{name} AFTER {event.upper()} ON {table} "
                    f"BEGIN {_bump(name)}; END"
                )
    for event, when in PROPOSAL_EVENTS.items():
        yield (
            f"CREATE TRIGGER tr_proposals_{event}_results AFTER {event.upper()} ON proposals "
            f"WHEN {when} BEGIN {_bump('results')}; END"
        )


def _postgresql_triggers():
    # Deferred to the commit, and once a transaction per counter: the counter's row is the last
    # lock a transaction takes, so waiting for it never closes a circle of waits (a transaction
    # that took it at its change and then waited for the audit trail's lock, while another
    # held that lock and wanted the row, would deadlock).
    yield (
        "CREATE FUNCTION fund_count_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF current_setting('fund.counted_' || TG_ARGV[0], true) IS DISTINCT FROM 'yes' THEN "
        "UPDATE change_counters SET changes = changes + 1 WHERE name = TG_ARGV[0]; "
        "PERFORM set_config('fund.counted_' || TG_ARGV[0], 'yes', true); "
        "END IF; RETURN NULL; END $$"
    )
    for name, tables in WATCHED.items():
        for table in tables:
            yield (
                f"CREATE CONSTRAINT TRIGGER tr_{table}_{name} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED "
                f"FOR EACH ROW EXECUTE FUNCTION fund_count_change('{name}')"
            )
    for event, when in PROPOSAL_EVENTS.items():
        yield (
            f"CREATE CONSTRAINT TRIGGER tr_proposals_{event}_results AFTER {event.upper()} "
            f"ON proposals DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ({when}) "
            "EXECUTE FUNCTION fund_count_change('results')"
        )


def _trigger_names():
    for name, tables in WATCHED.items():
        for table in tables:
            yield table, f"tr_{table}_{name}", [f"tr_{table}_{e}_{name}" for e in EVENTS]
    for event in EVENTS:
        name = f"tr_proposals_{event}_results"
        yield "proposals", name, [name]


def upgrade():
    counters = op.create_table(
        "change_counters",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.Column("changes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counters")),
    )
    op.bulk_insert(
        counters,
        [{"name": name, "epoch": secrets.token_hex(16), "changes": 0} for name in WATCHED],
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _postgresql_triggers() if postgresql else _sqlite_triggers():
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, pg_name, sqlite_names in _trigger_names():
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {pg_name} ON {table}")
        else:
            for name in sqlite_names:
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS fund_count_change()")
    op.drop_table("change_counters")
