"""the committee's outcomes on concept notes, the invitation to a full programme, and the full
proposal made from a concept note

`voting_rounds.outcome` gains the outcomes of a round on a concept note: `selected` (selected for
development), `pipeline` (approved into the pipeline) and `not_approved`; `pipeline_place` is
the place in the pipeline the committee gave a concept note it approved into the pipeline.
`proposals.invited_until`: the deadline of a concept note's invitation to a full programme.
`proposals.concept_note_id`: the concept note a full proposal was made from, unique (one full
proposal per concept note). The applicant is told of an invitation (`invited_to_full_programme`).

The downgrade forgets the invitations and the links to concept notes, and turns the rounds'
concept-note outcomes into the earlier "approved" and "rejected".

Revision ID: e5b8c2f7a914
Revises: d3e7a1c9b5f2
Create Date: 2026-12-05 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e5b8c2f7a914"
down_revision = "d3e7a1c9b5f2"
branch_labels = None
depends_on = None

OLD_OUTCOMES = "'approved', 'rejected', 'no_quorum', 'returned', 'cancelled'"
NEW_OUTCOMES = OLD_OUTCOMES + ", 'selected', 'pipeline', 'not_approved'"

OLD_KINDS = (
    "submission_received",
    "returned_for_revision",
    "declared_ineligible",
    "forwarded_to_committee",
    "proposal_with_committee",
    "votes_complete",
    "vote_deadline",
    "proposal_decision",
    "round_closed",
    "proposal_funded",
    "disbursement_recorded",
    "project_closed",
    "mail_undelivered",
)
NEW_KINDS = (*OLD_KINDS, "invited_to_full_programme")
KIND_TABLES = ("notifications", "notification_preferences")


def _kinds_sql(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _replace_kind_check(kinds) -> None:
    for table in KIND_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_kind_valid"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_kind_valid"), _kinds_sql(kinds))


def _replace_outcome_check(outcomes: str) -> None:
    with op.batch_alter_table("voting_rounds", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_voting_rounds_outcome_valid"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_voting_rounds_outcome_valid"), f"outcome IS NULL OR outcome IN ({outcomes})"
        )


def upgrade():
    with op.batch_alter_table("voting_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pipeline_place", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_voting_rounds_pipeline_place_of_pipeline"),
            "pipeline_place IS NULL OR (outcome = 'pipeline' AND pipeline_place > 0)",
        )
    _replace_outcome_check(NEW_OUTCOMES)

    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invited_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("concept_note_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_proposals_concept_note_id_proposals"),
            "proposals",
            ["concept_note_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            op.f("ck_proposals_invitation_of_concept_note"),
            "invited_until IS NULL OR kind = 'concept_note'",
        )
        batch_op.create_check_constraint(
            op.f("ck_proposals_made_from_concept_note"),
            "concept_note_id IS NULL OR kind = 'proposal'",
        )
    op.create_index("uq_proposals_concept_note_id", "proposals", ["concept_note_id"], unique=True)

    _replace_kind_check(NEW_KINDS)


def downgrade():
    for table in KIND_TABLES:
        op.execute(f"DELETE FROM {table} WHERE kind = 'invited_to_full_programme'")  # noqa: S608
    _replace_kind_check(OLD_KINDS)

    op.drop_index("uq_proposals_concept_note_id", table_name="proposals")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_proposals_made_from_concept_note"), type_="check")
        batch_op.drop_constraint(op.f("ck_proposals_invitation_of_concept_note"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_proposals_concept_note_id_proposals"), type_="foreignkey"
        )
        batch_op.drop_column("concept_note_id")
        batch_op.drop_column("invited_until")

    with op.batch_alter_table("voting_rounds", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_voting_rounds_pipeline_place_of_pipeline"), type_="check")
        batch_op.drop_column("pipeline_place")
    op.execute(
        "UPDATE voting_rounds SET outcome = 'approved' WHERE outcome IN ('selected', 'pipeline')"
    )
    op.execute("UPDATE voting_rounds SET outcome = 'rejected' WHERE outcome = 'not_approved'")
    _replace_outcome_check(OLD_OUTCOMES)
