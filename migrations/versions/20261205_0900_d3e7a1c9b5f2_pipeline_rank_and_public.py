"""the pipeline's rank of a concept note, and what the public booklet lists

`proposals.pipeline_rank`: the committee's order of the concept notes in the pipeline (a key,
lower first), unique among the concept notes in the pipeline by a partial unique index.
`proposals.pipeline_public`: listed in the public pipeline booklet. Existing rows have no rank
and are not public.

Revision ID: d3e7a1c9b5f2
Revises: c0ada0a47e62
Create Date: 2026-12-05 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d3e7a1c9b5f2"
down_revision = "c0ada0a47e62"
branch_labels = None
depends_on = None

PIPELINE_RANK_WHERE = "kind = 'concept_note' AND status = 'pipeline'"


def upgrade():
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pipeline_rank", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("pipeline_public", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_proposals_pipeline_rank_positive"),
            "pipeline_rank IS NULL OR pipeline_rank > 0",
        )
    op.create_index(
        "uq_proposals_pipeline_rank",
        "proposals",
        ["pipeline_rank"],
        unique=True,
        sqlite_where=sa.text(PIPELINE_RANK_WHERE),
        postgresql_where=sa.text(PIPELINE_RANK_WHERE),
    )


def downgrade():
    op.drop_index("uq_proposals_pipeline_rank", table_name="proposals")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_proposals_pipeline_rank_positive"), type_="check")
        batch_op.drop_column("pipeline_public")
        batch_op.drop_column("pipeline_rank")
