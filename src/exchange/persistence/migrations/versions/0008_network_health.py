"""network health: when a unit was published, let or withdrawn; who carries the cost of idle units

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Units stored before have no such times: a unit already available counts as published when
    # it was last changed, a let unit as let then (the nearest thing the rows remember).
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('let_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
    units = sa.table('units', sa.column('status', sa.String()),
                     sa.column('updated_at', sa.DateTime()),
                     sa.column('created_at', sa.DateTime()),
                     sa.column('published_at', sa.DateTime()),
                     sa.column('let_at', sa.DateTime()),
                     sa.column('withdrawn_at', sa.DateTime()))
    bind = op.get_bind()
    bind.execute(units.update().where(units.c.status != 'draft')
                 .values(published_at=units.c.created_at))
    bind.execute(units.update().where(units.c.status == 'let')
                 .values(let_at=units.c.updated_at))
    bind.execute(units.update().where(units.c.status == 'withdrawn')
                 .values(withdrawn_at=units.c.updated_at))
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idle_cost_rule', sa.String(length=20), nullable=False,
                                      server_default='pledging_member'))


def downgrade() -> None:
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.drop_column('idle_cost_rule')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('let_at')
        batch_op.drop_column('published_at')
