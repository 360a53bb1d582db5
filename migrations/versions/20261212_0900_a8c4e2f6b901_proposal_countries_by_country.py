"""the proposals of a country found by an index

`ix_proposal_countries_country_iso2`: the lists' country filter asks, for each country, whether
a proposal the user sees names it (an index probe each, whatever the number of proposals).

Revision ID: a8c4e2f6b901
Revises: f7b2d4e6a890
Create Date: 2026-12-12 09:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a8c4e2f6b901"
down_revision = "f7b2d4e6a890"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_proposal_countries_country_iso2", "proposal_countries", ["country_iso2"], unique=False
    )


def downgrade():
    op.drop_index("ix_proposal_countries_country_iso2", table_name="proposal_countries")
