"""notification of refunds due

The notification kind told to the administrative agent when a programme is closed with refunds
due from its participating organizations.

Revision ID: d4a9c2e6f013
Revises: 711b75ba9d91
Create Date: 2026-12-18 10:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d4a9c2e6f013"
down_revision = "711b75ba9d91"
branch_labels = None
depends_on = None

# The kinds as they stood at the previous revision, copied on purpose.
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
    "report_due",
    "report_overdue",
    "transfer_requested",
    "revision_submitted",
    "revision_decided",
)
NEW_KINDS = (*OLD_KINDS, "refund_due")
KIND_TABLES = ("notifications", "notification_preferences")


def _replace_kind_check(kinds) -> None:
    allowed = "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"
    for table in KIND_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_kind_valid"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_kind_valid"), allowed)


def upgrade() -> None:
    _replace_kind_check(NEW_KINDS)


def downgrade() -> None:
    for table in KIND_TABLES:
        op.execute(f"DELETE FROM {table} WHERE kind = 'refund_due'")
    _replace_kind_check(OLD_KINDS)
