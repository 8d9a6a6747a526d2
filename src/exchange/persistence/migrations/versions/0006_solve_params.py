"""each solve keeps its parameters; a round remembers how long its solve may stay silent

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # solves stored before hold no parameters: replay reads them as the defaults of the time
    with op.batch_alter_table('solves', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
    # a round solving now was claimed with the default of 120 s
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stale_after', sa.Float(), nullable=True))
    rounds = sa.table('rounds', sa.column('status', sa.String()),
                      sa.column('stale_after', sa.Float()))
    op.get_bind().execute(rounds.update().where(rounds.c.status == 'solving')
                          .values(stale_after=120.0))


def downgrade() -> None:
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('stale_after')
    with op.batch_alter_table('solves', schema=None) as batch_op:
        batch_op.drop_column('params')
