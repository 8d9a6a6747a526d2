"""people sign in through their network's identity provider; answer deadlines; the e-mail
notice outbox; failed sign-ins counted in the database, shared by every process

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_failures_address_at', ['address', 'at'], unique=False)

    op.create_table('sign_in_flows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('network_id', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=100), nullable=False),
    sa.Column('nonce', sa.String(length=100), nullable=False),
    sa.Column('verifier', sa.String(length=128), nullable=False),
    sa.Column('next', sa.String(length=500), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest')
    )
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_due', ['sent_at', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_user_id'), ['user_id'], unique=False)

    # every network starts with five working days to answer a proposal
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_days', sa.Integer(), nullable=False,
                                      server_default='5'))

    # proposals published before have no deadline: nothing is overdue that nobody was told of
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_by', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('subject', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=False,
                                      server_default='sv'))
        batch_op.add_column(sa.Column('notices', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.create_unique_constraint('uq_users_subject', ['subject'])
        batch_op.create_unique_constraint('uq_users_email', ['email'])

    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('provider', sa.String(length=100), nullable=True))
        batch_op.alter_column('token_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_web_sessions_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key('fk_web_sessions_user_id', 'users', ['user_id'], ['id'])


def downgrade() -> None:
    # sessions opened through an identity provider have no token: they end here
    op.execute("DELETE FROM web_sessions WHERE token_id IS NULL")
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_web_sessions_user_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_web_sessions_user_id'))
        batch_op.alter_column('token_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('provider')
        batch_op.drop_column('user_id')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_email', type_='unique')
        batch_op.drop_constraint('uq_users_subject', type_='unique')
        batch_op.drop_column('notices')
        batch_op.drop_column('language')
        batch_op.drop_column('subject')
        batch_op.drop_column('email')

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('answer_by')

    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.drop_column('answer_days')

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_user_id'))
        batch_op.drop_index('ix_notices_due')
    op.drop_table('notices')
    op.drop_table('sign_in_flows')
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_failures_address_at')
    op.drop_table('sign_in_failures')
