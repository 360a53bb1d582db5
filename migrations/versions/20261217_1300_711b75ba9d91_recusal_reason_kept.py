"""a recusal's reason kept as a sentence

`round_members.recusal_kept` (JSON, nullable): an automatic recusal's reason as a sentence with
its values (`fund.i18n.kept`), so the pages say it in their reader's language; the English
`recusal_reason` stays what is recorded. Recusals recorded before, and reasons a member typed,
have none and are shown as recorded.

Revision ID: 711b75ba9d91
Revises: 427d95bb36b1
Create Date: 2026-12-17 13:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "711b75ba9d91"
down_revision = "427d95bb36b1"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("round_members", sa.Column("recusal_kept", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("round_members") as batch:
        batch.drop_column("recusal_kept")
