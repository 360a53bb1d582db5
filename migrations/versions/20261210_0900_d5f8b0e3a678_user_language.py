"""the interface's language chosen by each user

`users.language`: en, fr, es or ar, or null (the browser's language is used).

Revision ID: d5f8b0e3a678
Revises: c4e7a9d2f816
Create Date: 2026-12-10 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d5f8b0e3a678"
down_revision = "c4e7a9d2f816"
branch_labels = None
depends_on = None

# The languages at this revision, copied on purpose (fund.i18n.LANGUAGES may grow).
LANGUAGES = ("en", "fr", "es", "ar")


def upgrade():
    listed = ", ".join(f"'{code}'" for code in LANGUAGES)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_users_language_valid"), f"language IS NULL OR language IN ({listed})"
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_language_valid"), type_="check")
        batch_op.drop_column("language")
