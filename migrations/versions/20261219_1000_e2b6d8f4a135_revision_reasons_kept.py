"""a revision's reasons kept as sentences

`revisions.reasons_kept` (JSON, nullable): the reasons its submission sent it to the committee
for, each as a sentence with its values (`fund.i18n.kept`), so that the revision's page says
them in its reader's language; the English `reasons` stay what is recorded. Revisions submitted
before have none and show their reasons as recorded.

Revision ID: e2b6d8f4a135
Revises: d4a9c2e6f013
Create Date: 2026-12-19 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e2b6d8f4a135"
down_revision = "d4a9c2e6f013"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("revisions", sa.Column("reasons_kept", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("reasons_kept")
