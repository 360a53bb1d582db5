"""budget category 8's title states no rate

The indirect support rate is configurable (`INDIRECT_SUPPORT_RATE`), so the title of the
computed category no longer carries the default's note "(computed: 7% of categories 1-7 ...)";
whether a category is computed is its `computed` column.

Revision ID: 427d95bb36b1
Revises: c8f3a6d2e917
Create Date: 2026-12-17 12:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "427d95bb36b1"
down_revision = "c8f3a6d2e917"
branch_labels = None
depends_on = None

TITLE = "Indirect support costs"
OLD_TITLE = (
    "Indirect support costs (computed: 7% of categories 1-7 per participating organization; "
    "never entered by hand)"
)
CATEGORIES = sa.table(
    "budget_categories", sa.column("code", sa.Integer), sa.column("title", sa.String)
)


def _retitle(before: str, after: str) -> None:
    op.execute(
        CATEGORIES.update()
        .where(CATEGORIES.c.code == 8, CATEGORIES.c.title == before)
        .values(title=after)
    )


def upgrade():
    _retitle(OLD_TITLE, TITLE)


def downgrade():
    _retitle(TITLE, OLD_TITLE)
