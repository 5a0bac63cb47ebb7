"""audit events chained by hashes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:35:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    # chain the events already there, in order, per council
    from sqlmodel import Session, select

    from cobuild.models.audit import AuditEvent, event_hash

    session = Session(bind=op.get_bind())
    heads: dict = {}
    table = AuditEvent.__table__
    for row in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all():
        prev = heads.get(row.council_id)
        digest = event_hash(row, prev)
        op.get_bind().execute(table.update().where(table.c.id == row.id).values(prev_hash=prev, hash=digest))
        heads[row.council_id] = digest
    session.close()


def downgrade() -> None:
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
