"""audit chain: each entry sealed to the one before it; the trail refuses changes

Revision ID: 0004
Revises: 0003

Adds `seq`, `previous_hash` and `hash` to the audit trail, chains the entries written before
(per network, in the order of their ids, with the encoding of `exchange.persistence.chain`),
makes each chain a line by unique indexes, and installs triggers that refuse UPDATE, DELETE and
(on PostgreSQL) TRUNCATE of the trail. On SQLite a later batch migration of `audit` recreates the
table and drops its triggers: such a migration must create them again.
"""

from alembic import op
import sqlalchemy as sa

from exchange.persistence.chain import GENESIS, SEALED, link


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

UNFILED = sa.text("network_id IS NULL")
REFUSAL = "the audit trail is append-only"
POSTGRESQL_TRIGGER = f"""
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{REFUSAL}: % on audit refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit entries are only ever added; see exchange audit verify.';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Lock a chain until commit, then read its head, in one round trip. VOLATILE: the head query
-- takes a snapshot of its own after the lock, so it sees the previous holder's entries.
CREATE FUNCTION audit_chain_head(lock_key bigint, chain text,
                                 OUT head_seq integer, OUT head_hash text)
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    IF chain IS NULL THEN
        SELECT a.seq, a.hash INTO head_seq, head_hash FROM audit a
            WHERE a.network_id IS NULL ORDER BY a.seq DESC LIMIT 1;
    ELSE
        SELECT a.seq, a.hash INTO head_seq, head_hash FROM audit a
            WHERE a.network_id = chain ORDER BY a.seq DESC LIMIT 1;
    END IF;
END $$;
"""
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_no_{verb.lower()} BEFORE {verb} ON audit "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: {verb} on audit refused'); END"
    for verb in ("UPDATE", "DELETE")]


def upgrade() -> None:
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('previous_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _chain_existing_entries()
    with op.batch_alter_table('audit', schema=None) as batch_op:
        for column in ('seq', 'previous_hash', 'hash'):
            batch_op.alter_column(column, nullable=False)
        batch_op.drop_index('ix_audit_network_id')  # ix_audit_chain begins with network_id
        batch_op.create_index('ix_audit_chain', ['network_id', 'seq'], unique=True)
        batch_op.create_index('ix_audit_chain_unfiled', ['seq'], unique=True,
                              sqlite_where=UNFILED, postgresql_where=UNFILED)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRESQL_TRIGGER)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def _chain_existing_entries() -> None:
    """Number and seal the entries written before this revision, per network in id order."""
    bind = op.get_bind()
    audit = sa.table('audit', sa.column('id', sa.Integer()), sa.column('at', sa.DateTime()),
                     sa.column('user_id', sa.Integer()),
                     *(sa.column(name, sa.String()) for name in SEALED
                       if name not in ('at', 'user_id')))
    entries = bind.execute(sa.select(audit).order_by(audit.c.network_id, audit.c.id)).mappings()
    heads: dict = {}
    updates = []
    for entry in entries:
        seq, previous = heads.get(entry['network_id'], (0, GENESIS))
        sealed = link(dict(entry), previous)
        heads[entry['network_id']] = (seq + 1, sealed)
        updates.append({'id': entry['id'], 'seq': seq + 1, 'previous_hash': previous,
                        'hash': sealed})
    if updates:
        bind.execute(sa.text("UPDATE audit SET seq = :seq, previous_hash = :previous_hash, "
                             "hash = :hash WHERE id = :id"), updates)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_append_only ON audit")
        op.execute("DROP FUNCTION audit_refuse_change()")
        op.execute("DROP FUNCTION audit_chain_head(bigint, text)")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_no_{verb}")
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_chain_unfiled', sqlite_where=UNFILED,
                            postgresql_where=UNFILED)
        batch_op.drop_index('ix_audit_chain')
        batch_op.create_index('ix_audit_network_id', ['network_id'], unique=False)
        batch_op.drop_column('hash')
        batch_op.drop_column('previous_hash')
        batch_op.drop_column('seq')
