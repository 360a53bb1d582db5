"""the language a proposal is written in

`proposals.content_language`: en, fr, es or ar; the proposals already written are in English.

Revision ID: e6a9c1f4b789
Revises: d5f8b0e3a678
Create Date: 2026-12-10 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e6a9c1f4b789"
down_revision = "d5f8b0e3a678"
branch_labels = None
depends_on = None

# The languages at this revision, copied on purpose (fund.i18n.LANGUAGES may grow).
LANGUAGES = ("en", "fr", "es", "ar")


def upgrade():
    listed = ", ".join(f"'{code}'" for code in LANGUAGES)
    name = op.f("ck_proposals_content_language_valid")
    if op.get_bind().dialect.name == "sqlite":
        # ALTER TABLE, not a copy of the table: a copy would drop the full-text search's
        # triggers on proposals (c4e7a9d2f816). SQLite takes the check with the new column.
        op.add_column(
            "proposals",
            sa.Column(
                "content_language",
                sa.String(length=5),
                sa.CheckConstraint(f"content_language IN ({listed})", name=name),
                nullable=False,
                server_default="en",
            ),
        )
        return
    op.add_column(
        "proposals",
        sa.Column("content_language", sa.String(length=5), nullable=False, server_default="en"),
    )
    op.create_check_constraint(name, "proposals", f"content_language IN ({listed})")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.drop_column("proposals", "content_language")  # ALTER TABLE DROP COLUMN: triggers kept
        return
    op.drop_constraint(op.f("ck_proposals_content_language_valid"), "proposals", type_="check")
    op.drop_column("proposals", "content_language")
