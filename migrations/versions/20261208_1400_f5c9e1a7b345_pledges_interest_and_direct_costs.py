"""pledges, interest and direct costs

Donors' pledges (an amount in a currency, with an expected payment schedule), deposits in a
currency (the amount received, the exchange rate used and the pledge paid; existing
contributions become USD deposits at the rate 1), the interest the fund earns and the direct
costs charged to it.

Revision ID: f5c9e1a7b345
Revises: e4b8d0f6a234
Create Date: 2026-12-08 14:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f5c9e1a7b345"
down_revision = "e4b8d0f6a234"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=14, scale=2)
CURRENCY_CHECK = "length(currency) = 3 AND upper(currency) = currency"


def _recorded(table: str) -> list:
    """Who recorded the row and when, with the foreign key to the users."""
    return [
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f(f"fk_{table}_recorded_by_id_users")
        ),
    ]


def _positive(table: str) -> sa.CheckConstraint:
    return sa.CheckConstraint("amount > 0", name=op.f(f"ck_{table}_amount_positive"))


def upgrade() -> None:
    op.create_table(
        "pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("donor_id", sa.Integer(), nullable=False),
        sa.Column("pledged_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_recorded("pledges"),
        _positive("pledges"),
        sa.CheckConstraint(CURRENCY_CHECK, name=op.f("ck_pledges_currency_code")),
        sa.ForeignKeyConstraint(
            ["donor_id"], ["organizations.id"], name=op.f("fk_pledges_donor_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledges")),
    )
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledges_donor_id"), ["donor_id"], unique=False)

    op.create_table(
        "pledge_instalments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        _positive("pledge_instalments"),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["pledges.id"],
            name=op.f("fk_pledge_instalments_pledge_id_pledges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_instalments")),
    )
    with op.batch_alter_table("pledge_instalments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pledge_instalments_pledge_id"), ["pledge_id"], unique=False
        )

    op.create_table(
        "interest_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("earned_on", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        *_recorded("interest_entries"),
        _positive("interest_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interest_entries")),
    )
    op.create_table(
        "direct_costs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("charged_on", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *_recorded("direct_costs"),
        _positive("direct_costs"),
        sa.CheckConstraint(
            "length(description) > 0", name=op.f("ck_direct_costs_description_given")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_direct_costs")),
    )

    # Deposits in a currency: the existing contributions were received in USD at the rate 1.
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False)
        )
        batch_op.add_column(sa.Column("currency_amount", MONEY, nullable=True))
        batch_op.add_column(
            sa.Column(
                "exchange_rate",
                sa.Numeric(precision=18, scale=8),
                server_default="1",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("pledge_id", sa.Integer(), nullable=True))
    op.execute("UPDATE contributions SET currency_amount = gross")
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.alter_column("currency_amount", existing_type=MONEY, nullable=False)
        batch_op.create_check_constraint(
            op.f("ck_contributions_currency_amount_positive"), "currency_amount > 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_contributions_exchange_rate_positive"), "exchange_rate > 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_contributions_gross_at_rate"),
            "abs(gross - currency_amount * exchange_rate) < 0.0051",
        )
        batch_op.create_check_constraint(op.f("ck_contributions_currency_code"), CURRENCY_CHECK)
        batch_op.create_foreign_key(
            op.f("fk_contributions_pledge_id_pledges"), "pledges", ["pledge_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_contributions_pledge_id"), ["pledge_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contributions_pledge_id"))
        batch_op.drop_constraint(op.f("fk_contributions_pledge_id_pledges"), type_="foreignkey")
        for name in ("currency_code", "gross_at_rate", "exchange_rate_positive"):
            batch_op.drop_constraint(op.f(f"ck_contributions_{name}"), type_="check")
        batch_op.drop_constraint(op.f("ck_contributions_currency_amount_positive"), type_="check")
        batch_op.drop_column("pledge_id")
        batch_op.drop_column("exchange_rate")
        batch_op.drop_column("currency_amount")
        batch_op.drop_column("currency")
    op.drop_table("direct_costs")
    op.drop_table("interest_entries")
    with op.batch_alter_table("pledge_instalments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_instalments_pledge_id"))
    op.drop_table("pledge_instalments")
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledges_donor_id"))
    op.drop_table("pledges")
