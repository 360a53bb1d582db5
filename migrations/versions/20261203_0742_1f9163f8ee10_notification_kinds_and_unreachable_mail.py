"""notification kinds for the applicant (forwarded, closed) and the secretariat (every member
voted, email not delivered); outbox messages remember that the mail server was unreachable

Revision ID: 1f9163f8ee10
Revises: 8e3b5f0c6d21
Create Date: 2026-12-03 07:42:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1f9163f8ee10'
down_revision = '8e3b5f0c6d21'
branch_labels = None
depends_on = None

OLD_KINDS = (
    'submission_received', 'returned_for_revision', 'declared_ineligible',
    'forwarded_to_committee', 'vote_deadline', 'proposal_decision', 'round_closed',
    'proposal_funded', 'disbursement_recorded',
)
NEW_KINDS = (
    'submission_received', 'returned_for_revision', 'declared_ineligible',
    'forwarded_to_committee', 'proposal_with_committee', 'votes_complete', 'vote_deadline',
    'proposal_decision', 'round_closed', 'proposal_funded', 'disbursement_recorded',
    'project_closed', 'mail_undelivered',
)
TABLES = ('notifications', 'notification_preferences')


def _kinds_sql(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _replace_kind_check(kinds) -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_kind_valid'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_kind_valid'), _kinds_sql(kinds))


def upgrade():
    _replace_kind_check(NEW_KINDS)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('unreachable', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('unreachable')
    removed = [kind for kind in NEW_KINDS if kind not in OLD_KINDS]
    for table in TABLES:
        op.execute(
            sa.text(f"DELETE FROM {table} WHERE kind IN :kinds").bindparams(
                sa.bindparam('kinds', removed, expanding=True)
            )
        )
    _replace_kind_check(OLD_KINDS)
