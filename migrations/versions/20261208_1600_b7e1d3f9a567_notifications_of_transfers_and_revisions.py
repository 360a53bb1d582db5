"""notifications of transfer requests and revisions

The notification kinds told when the secretariat requests a transfer (to the administrative
agent), when a revision is submitted (to the secretariat) and when it is decided (to the
programme's organizations).

Revision ID: b7e1d3f9a567
Revises: a6d0f2b8c456
Create Date: 2026-12-08 16:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e1d3f9a567"
down_revision = "a6d0f2b8c456"
branch_labels = None
depends_on = None

# The kinds as they stood at the previous revision (b8767c451c5b), copied on purpose.
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
)
NEW_KINDS = (*OLD_KINDS, "transfer_requested", "revision_submitted", "revision_decided")
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
        op.execute(
            f"DELETE FROM {table} WHERE kind IN "
            "('transfer_requested', 'revision_submitted', 'revision_decided')"
        )
    _replace_kind_check(OLD_KINDS)
