"""consent and the move: a case's consent, protected personal data and times; a proposal's
move-in and fall-through; the move checklist and its network template

Cases stored before keep no consent: they stay out of rounds until their case worker records
the household's consent (the to-do list says so).

Revision ID: 0011
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('networks', sa.Column('checklist', sa.JSON(), nullable=True))
    # plain ADD COLUMNs: a batch would copy the table, which rows of other tables refer to
    for column in (sa.Column('consent_given', sa.Date(), nullable=True),
                   sa.Column('consent_until', sa.Date(), nullable=True),
                   sa.Column('consent_scope', sa.JSON(), nullable=True),
                   sa.Column('consent_recorded_by', sa.Integer(), nullable=True),
                   sa.Column('consent_recorded_at', sa.DateTime(), nullable=True),
                   sa.Column('consent_ended_at', sa.DateTime(), nullable=True),
                   sa.Column('protected', sa.Boolean(), nullable=False,
                             server_default=sa.false()),
                   sa.Column('first_proposed_at', sa.DateTime(), nullable=True),
                   sa.Column('accepted_at', sa.DateTime(), nullable=True),
                   sa.Column('contract_at', sa.DateTime(), nullable=True),
                   sa.Column('moved_in_on', sa.Date(), nullable=True)):
        op.add_column('cases', column)
    op.add_column('proposals', sa.Column('moved_in_on', sa.Date(), nullable=True))
    op.add_column('proposals', sa.Column('fell_through', sa.String(length=40), nullable=True))
    op.create_table(
        'move_tasks',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('proposal_id', sa.String(length=40), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('side', sa.String(length=10), nullable=False),
        sa.Column('title_sv', sa.String(length=120), nullable=False),
        sa.Column('title_en', sa.String(length=120), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('overdue_noticed_at', sa.DateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id']),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('move_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_move_tasks_proposal_id', ['proposal_id'], unique=False)
    # Cases housed before kept their times on their proposals.
    op.execute("update cases set first_proposed_at = (select min(r.published_at) from proposals p "
               "join rounds r on r.id = p.round_id where p.case_id = cases.id and p.published)")
    op.execute("update cases set accepted_at = (select max(p.answered_at) from proposals p "
               "where p.case_id = cases.id and p.status in ('accepted', 'confirmed')), "
               "contract_at = (select max(p.confirmed_at) from proposals p "
               "where p.case_id = cases.id and p.status = 'confirmed')")


def downgrade() -> None:
    with op.batch_alter_table('move_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_move_tasks_proposal_id')
    op.drop_table('move_tasks')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('fell_through')
        batch_op.drop_column('moved_in_on')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for column in ('moved_in_on', 'contract_at', 'accepted_at', 'first_proposed_at',
                       'protected', 'consent_ended_at', 'consent_recorded_at',
                       'consent_recorded_by', 'consent_scope', 'consent_until',
                       'consent_given'):
            batch_op.drop_column(column)
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.drop_column('checklist')
