"""tokens expire

Revision ID: 0005
Revises: 0004
"""

import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    # tokens issued before expiry existed get the default lifetime, counted from their issue
    tokens = sa.table('tokens', sa.column('id', sa.Integer()),
                      sa.column('created_at', sa.DateTime()),
                      sa.column('expires_at', sa.DateTime()))
    connection = op.get_bind()
    for token_id, created_at in connection.execute(sa.select(tokens.c.id, tokens.c.created_at)):
        connection.execute(tokens.update().where(tokens.c.id == token_id).values(
            expires_at=created_at + dt.timedelta(days=90)))
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
