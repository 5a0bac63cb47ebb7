"""a council's overdue cadence: reminders every N working days, weekly once an item is M working
days late

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 22:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('council', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_every_working_days', sa.Integer(), nullable=False, server_default='2'))
        batch_op.add_column(sa.Column('overdue_weekly_after_working_days', sa.Integer(), nullable=False,
                                      server_default='10'))


def downgrade() -> None:
    with op.batch_alter_table('council', schema=None) as batch_op:
        batch_op.drop_column('overdue_weekly_after_working_days')
        batch_op.drop_column('overdue_every_working_days')
