"""indexes for the proposal lists, the votes of a member and the latest decisions at scale

Measured with bench/run.py on 20,000 proposals (bench/RESULTS.md): the proposal lists sorted
the whole table by updated_at; a member's votes and the latest closed rounds scanned their
tables.

Revision ID: 5be7c2d4a1f3
Revises: ac850f7f3a9a
Create Date: 2026-11-27 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5be7c2d4a1f3'
down_revision = 'ac850f7f3a9a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_proposals_updated_at_id', 'proposals', ['updated_at', 'id'])
    op.create_index(
        'ix_proposals_status_updated_at_id', 'proposals', ['status', 'updated_at', 'id']
    )
    op.create_index(op.f('ix_votes_member_id'), 'votes', ['member_id'])
    op.create_index('ix_voting_rounds_status_closed_at', 'voting_rounds', ['status', 'closed_at'])


def downgrade():
    op.drop_index('ix_voting_rounds_status_closed_at', table_name='voting_rounds')
    op.drop_index(op.f('ix_votes_member_id'), table_name='votes')
    op.drop_index('ix_proposals_status_updated_at_id', table_name='proposals')
    op.drop_index('ix_proposals_updated_at_id', table_name='proposals')
