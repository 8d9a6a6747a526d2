"""names people use: a unit's address, a school's address, a sealed comment to a decline

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.JSON(), nullable=True))
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=200), nullable=True))
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decline_comment', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('decline_comment')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('address')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('address')
