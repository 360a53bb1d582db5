"""two-stage calls and concept notes

A call takes full proposals (as before) or concept notes first (`calls.stage`), and says when
the governments' endorsement letters are due (`calls.endorsement_stage`). A concept note is a
row of `proposals` of kind `concept_note`, in the states of its own transition table; its
national partners and its indicative total per participating organization have their tables.
Screening criteria belong to a stage (the concept note's or the full proposal's). Existing rows
are full proposals, full-proposal calls and full-proposal criteria.

The downgrade deletes the concept notes (with their checks, rounds and votes) and the
concept-note criteria: the earlier schema cannot hold them.

Revision ID: b6d2e8f41a07
Revises: 7a3e9c1d5b42
Create Date: 2026-12-04 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b6d2e8f41a07"
down_revision = "7a3e9c1d5b42"
branch_labels = None
depends_on = None

PROPOSAL_STATES = (
    "'draft', 'submitted', 'screening', 'returned', 'ineligible', 'committee_review', "
    "'approved', 'rejected', 'funded', 'closed', 'withdrawn'"
)
CONCEPT_NOTE_STATES = (
    "'draft', 'submitted', 'screening', 'returned', 'ineligible', 'committee_review', "
    "'selected', 'pipeline', 'not_approved', 'withdrawn', 'invited', 'converted'"
)
STATUS_BY_KIND = (
    f"(kind = 'proposal' AND status IN ({PROPOSAL_STATES})) OR "
    f"(kind = 'concept_note' AND status IN ({CONCEPT_NOTE_STATES}))"
)
PARTNER_TYPES = (
    "'line_ministry', 'local_government', 'regional_intergovernmental_body', 'civil_society', "
    "'migrant_or_diaspora_organization', 'other'"
)


def upgrade():
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "stage", sa.String(length=20), server_default="full_proposal", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "endorsement_stage",
                sa.String(length=20),
                server_default="full_proposal",
                nullable=False,
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_calls_stage_valid"), "stage IN ('full_proposal', 'concept_note_first')"
        )
        batch_op.create_check_constraint(
            op.f("ck_calls_endorsement_stage_valid"),
            "endorsement_stage IN ('concept_note', 'full_proposal')",
        )
        batch_op.create_check_constraint(
            op.f("ck_calls_endorsement_stage_exists"),
            "stage = 'concept_note_first' OR endorsement_stage = 'full_proposal'",
        )

    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), server_default="proposal", nullable=False)
        )
        batch_op.drop_constraint(op.f("ck_proposals_status_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_proposals_status_valid"), STATUS_BY_KIND)
        batch_op.create_check_constraint(
            op.f("ck_proposals_kind_valid"), "kind IN ('proposal', 'concept_note')"
        )

    with op.batch_alter_table("screening_criteria", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "stage", sa.String(length=20), server_default="full_proposal", nullable=False
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_screening_criteria_stage_valid"),
            "stage IN ('concept_note', 'full_proposal')",
        )

    op.create_table(
        "national_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("partner_type", sa.String(length=40), nullable=False),
        sa.CheckConstraint(
            f"partner_type IN ({PARTNER_TYPES})",
            name=op.f("ck_national_partners_partner_type_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_national_partners_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_partners")),
    )
    with op.batch_alter_table("national_partners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_national_partners_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "indicative_totals",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_indicative_totals_amount_positive")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_indicative_totals_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_indicative_totals_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "proposal_id", "organization_id", name=op.f("pk_indicative_totals")
        ),
    )


def _delete_concept_notes() -> None:
    """The concept notes and what hangs on them, child rows first (SQLite may not cascade)."""
    notes = "SELECT id FROM proposals WHERE kind = 'concept_note'"
    rounds = f"SELECT id FROM voting_rounds WHERE proposal_id IN ({notes})"
    for statement in (
        f"DELETE FROM votes WHERE round_id IN ({rounds})",
        f"DELETE FROM round_members WHERE round_id IN ({rounds})",
        f"DELETE FROM voting_rounds WHERE proposal_id IN ({notes})",
        "DELETE FROM screening_checks WHERE criterion_id IN "
        "(SELECT id FROM screening_criteria WHERE stage = 'concept_note')",
        "DELETE FROM screening_criteria WHERE stage = 'concept_note'",
    ):
        op.execute(statement)
    for table in (
        "screening_checks",
        "proposal_versions",
        "attachments",
        "budget_lines",
        "proposal_contacts",
        "proposal_principles",
        "proposal_secondary_objectives",
        "proposal_countries",
        "proposal_endorsers",
        "proposal_participants",
    ):
        op.execute(f"DELETE FROM {table} WHERE proposal_id IN ({notes})")  # noqa: S608
    op.execute("DELETE FROM proposals WHERE kind = 'concept_note'")


def downgrade():
    op.drop_table("indicative_totals")
    with op.batch_alter_table("national_partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_national_partners_proposal_id"))
    op.drop_table("national_partners")
    _delete_concept_notes()

    with op.batch_alter_table("screening_criteria", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_screening_criteria_stage_valid"), type_="check")
        batch_op.drop_column("stage")

    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_proposals_kind_valid"), type_="check")
        batch_op.drop_constraint(op.f("ck_proposals_status_valid"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_proposals_status_valid"), f"status IN ({PROPOSAL_STATES})"
        )
        batch_op.drop_column("kind")

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_calls_endorsement_stage_exists"), type_="check")
        batch_op.drop_constraint(op.f("ck_calls_endorsement_stage_valid"), type_="check")
        batch_op.drop_constraint(op.f("ck_calls_stage_valid"), type_="check")
        batch_op.drop_column("endorsement_stage")
        batch_op.drop_column("stage")
