"""form keys: a form that creates something is acted on once

Each rendering of such a form carries a one-time key; the request that uses it stores it here
with what it created, and the primary key lets only one request use it.

Revision ID: c4f1a7d2e9b3
Revises: 1f9163f8ee10
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f1a7d2e9b3'
down_revision = '1f9163f8ee10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_keys',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('form', sa.String(length=120), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('result_url', sa.String(length=500), nullable=True),
        sa.Column('result', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_keys_user_id_users')),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_form_keys')),
    )
    with op.batch_alter_table('form_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_keys_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('form_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_keys_user_id'))
    op.drop_table('form_keys')
