"""sealed fields and retention

Cases get `sealed_spec` (the whole spec, sealed) and `erased_at`; a solve's round file and result
may be erased (nullable) and say when. Rows stored before this revision keep their plain values
until `exchange keys rotate` seals them: a migration has no key, and sealing must never happen
unseen.

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_spec', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('solves', schema=None) as batch_op:
        batch_op.alter_column('round_file', existing_type=sa.Text(), nullable=True)
        batch_op.alter_column('result', existing_type=sa.Text(), nullable=True)
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    # Sealed values cannot be unsealed here (no key): downgrading a database that holds any
    # would leave them unreadable to the older code, so it is refused.
    bind = op.get_bind()
    sealed = bind.execute(sa.text(
        "select (select count(*) from cases where sealed_spec is not null) + "
        "(select count(*) from solves where round_file like 'seal:%' or round_file is null)"
    )).scalar()
    if sealed:
        raise RuntimeError("the database holds sealed or erased values; it cannot go back to "
                           "revision 0002")
    with op.batch_alter_table('solves', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.alter_column('result', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('round_file', existing_type=sa.Text(), nullable=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('sealed_spec')
