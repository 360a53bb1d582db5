"""revisions

Revisions of funded programmes (a new end date, new budget lines, a revised scope, new
participating organizations), with who approves them and why; a voting round may be about a
revision (`voting_rounds.revision_id`).

Revision ID: d3a7c9e5f123
Revises: c2f6b8d4e012
Create Date: 2026-12-08 12:00:00

"""

import sqlalchemy as sa
from alembic import op

import fund.extensions

# revision identifiers, used by Alembic.
revision = "d3a7c9e5f123"
down_revision = "c2f6b8d4e012"
branch_labels = None
depends_on = None

# The revision workflow's states (workflows/revision.py), and those still to be decided.
STATES = ("draft", "submitted", "returned", "committee", "approved", "rejected", "withdrawn")
OPEN_WHERE = "status IN ('committee', 'draft', 'returned', 'submitted')"


def upgrade() -> None:
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fund.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("saved_at", fund.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("new_end_date", sa.Date(), nullable=True),
        sa.Column("new_duration_months", sa.Integer(), nullable=True),
        sa.Column("changes_budget", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("new_summary", sa.Text(), nullable=True),
        sa.Column("changes_participants", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("approver", sa.String(length=20), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.Column("submitted_at", fund.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", fund.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.Column("applied", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "approver IS NULL OR approver IN ('secretariat', 'committee')",
            name=op.f("ck_revisions_approver_valid"),
        ),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{state}'" for state in STATES) + ")",
            name=op.f("ck_revisions_status_valid"),
        ),
        sa.CheckConstraint(
            "(new_end_date IS NULL) = (new_duration_months IS NULL)",
            name=op.f("ck_revisions_end_date_and_duration"),
        ),
        sa.CheckConstraint(
            "new_duration_months IS NULL OR new_duration_months >= 1",
            name=op.f("ck_revisions_duration_positive"),
        ),
        sa.CheckConstraint("number > 0", name=op.f("ck_revisions_number_positive")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_revisions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_revisions_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_revisions_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_revisions_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
        sa.UniqueConstraint("proposal_id", "number", name=op.f("uq_revisions_proposal_id_number")),
    )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revisions_proposal_id"), ["proposal_id"], unique=False)
        batch_op.create_index(
            "uq_revisions_one_open_per_proposal",
            ["proposal_id"],
            unique=True,
            sqlite_where=sa.text(OPEN_WHERE),
            postgresql_where=sa.text(OPEN_WHERE),
        )

    op.create_table(
        "revision_budget_lines",
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("objective_number", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), server_default="1", nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.CheckConstraint(
            "amount >= 0", name=op.f("ck_revision_budget_lines_amount_not_negative")
        ),
        sa.CheckConstraint(
            "category_code BETWEEN 1 AND 7", name=op.f("ck_revision_budget_lines_direct_category")
        ),
        sa.CheckConstraint("year >= 1", name=op.f("ck_revision_budget_lines_year_positive")),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["budget_categories.code"],
            name=op.f("fk_revision_budget_lines_category_code_budget_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["objective_number"],
            ["gcm_objectives.number"],
            name=op.f("fk_revision_budget_lines_objective_number_gcm_objectives"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_revision_budget_lines_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revisions.id"],
            name=op.f("fk_revision_budget_lines_revision_id_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("revision_id", "position", name=op.f("pk_revision_budget_lines")),
    )
    op.create_table(
        "revision_participants",
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_revision_participants_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revisions.id"],
            name=op.f("fk_revision_participants_revision_id_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "revision_id", "organization_id", name=op.f("pk_revision_participants")
        ),
    )
    with op.batch_alter_table("voting_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_voting_rounds_revision_id"), ["revision_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_voting_rounds_revision_id_revisions"),
            "revisions",
            ["revision_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("voting_rounds", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_voting_rounds_revision_id_revisions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_voting_rounds_revision_id"))
        batch_op.drop_column("revision_id")
    op.drop_table("revision_participants")
    op.drop_table("revision_budget_lines")
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_revisions_one_open_per_proposal",
            sqlite_where=sa.text(OPEN_WHERE),
            postgresql_where=sa.text(OPEN_WHERE),
        )
        batch_op.drop_index(batch_op.f("ix_revisions_proposal_id"))
    op.drop_table("revisions")
