"""programme reports

The reports a funded programme owes (its reporting schedule), their narrative content (actual
per indicator, narrative per outcome) and financial content (expenditure per participating
organization and UNSDG category); the notification kinds of their reminders. Triggers make the
database refuse an organization's expenditure, summed over the programme's reports, above what
was transferred to it (its allocation share's `disbursed`).

Revision ID: b8767c451c5b
Revises: f1a6c3e9d2b7
Create Date: 2026-12-07 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8767c451c5b"
down_revision = "f1a6c3e9d2b7"
branch_labels = None
depends_on = None

OLD_KINDS = (
    "submission_received",
    "returned_for_revision",
    "declared_ineligible",
    "forwarded_to_committee",
    "proposal_with_committee",
    "votes_complete",
    "vote_deadline",
    "proposal_decision",
    "round_closed",
    "proposal_funded",
    "disbursement_recorded",
    "project_closed",
    "mail_undelivered",
    "invited_to_full_programme",
)
NEW_KINDS = (*OLD_KINDS, "report_due", "report_overdue")
KIND_TABLES = ("notifications", "notification_preferences")

# The organization's expenditure over the programme's reports, against what it was transferred.
_ABOVE = """
    (SELECT COALESCE(SUM(amount), 0) FROM report_expenditures
      WHERE allocation_id = NEW.allocation_id AND organization_id = NEW.organization_id)
    > (SELECT disbursed FROM allocation_shares
      WHERE allocation_id = NEW.allocation_id AND organization_id = NEW.organization_id)
"""
MESSAGE = "expenditure_above_transfers"


def _kinds_sql(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _replace_kind_check(kinds) -> None:
    for table in KIND_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_kind_valid"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_kind_valid"), _kinds_sql(kinds))


def _create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION report_expenditures_within_transfers() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN IF "
            + _ABOVE
            + " THEN RAISE EXCEPTION '"
            + MESSAGE
            + "' USING ERRCODE = 'check_violation'; END IF; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER report_expenditures_within_transfers AFTER INSERT OR UPDATE ON "
            "report_expenditures FOR EACH ROW EXECUTE FUNCTION "
            "report_expenditures_within_transfers()"
        )
        return
    # SQLite keeps NUMERIC as binary floating point: a tolerance under the cent.
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER report_expenditures_within_transfers_{event.lower()} AFTER {event} "
            f"ON report_expenditures WHEN {_ABOVE} + 0.005 "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER report_expenditures_within_transfers ON report_expenditures")
        op.execute("DROP FUNCTION report_expenditures_within_transfers()")
        return
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER report_expenditures_within_transfers_{event}")


def upgrade():
    op.create_table(
        "programme_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("risks", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('annual_narrative', 'annual_financial', 'final_narrative', "
            "'final_financial')",
            name=op.f("ck_programme_reports_kind_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('due', 'submitted', 'accepted', 'returned')",
            name=op.f("ck_programme_reports_status_valid"),
        ),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("ck_programme_reports_period_ordered")
        ),
        sa.CheckConstraint(
            "year BETWEEN 1990 AND 2100", name=op.f("ck_programme_reports_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_programme_reports_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_programme_reports_proposal_id_proposals"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_programme_reports_submitted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_reports")),
        sa.UniqueConstraint(
            "proposal_id",
            "kind",
            "period_start",
            name=op.f("uq_programme_reports_proposal_id_kind_period_start"),
        ),
    )
    with op.batch_alter_table("programme_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_reports_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_programme_reports_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "report_narratives",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint("length(text) > 0", name=op.f("ck_report_narratives_text_given")),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["result_outcomes.id"],
            name=op.f("fk_report_narratives_outcome_id_result_outcomes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["programme_reports.id"],
            name=op.f("fk_report_narratives_report_id_programme_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "outcome_id", name=op.f("pk_report_narratives")),
    )
    op.create_table(
        "report_expenditures",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_report_expenditures_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["allocation_id", "organization_id"],
            ["allocation_shares.allocation_id", "allocation_shares.organization_id"],
            name="fk_report_expenditures_allocation_share",
        ),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["budget_categories.code"],
            name=op.f("fk_report_expenditures_category_code_budget_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_report_expenditures_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["programme_reports.id"],
            name=op.f("fk_report_expenditures_report_id_programme_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "report_id", "organization_id", "category_code", name=op.f("pk_report_expenditures")
        ),
    )
    with op.batch_alter_table("report_expenditures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_expenditures_allocation_id"), ["allocation_id"], unique=False
        )

    op.create_table(
        "report_actuals",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["result_indicators.id"],
            name=op.f("fk_report_actuals_indicator_id_result_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["programme_reports.id"],
            name=op.f("fk_report_actuals_report_id_programme_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "indicator_id", name=op.f("pk_report_actuals")),
    )
    _create_triggers()
    _replace_kind_check(NEW_KINDS)


def downgrade():
    for table in KIND_TABLES:
        op.execute(f"DELETE FROM {table} WHERE kind IN ('report_due', 'report_overdue')")  # noqa: S608
    _replace_kind_check(OLD_KINDS)
    _drop_triggers()
    op.drop_table("report_actuals")
    with op.batch_alter_table("report_expenditures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_expenditures_allocation_id"))

    op.drop_table("report_expenditures")
    op.drop_table("report_narratives")
    with op.batch_alter_table("programme_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_reports_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_programme_reports_due_on"))

    op.drop_table("programme_reports")
