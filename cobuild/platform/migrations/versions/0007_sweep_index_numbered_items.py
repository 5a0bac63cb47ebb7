"""the sweep's index holds numbered items only, so a due-set lookup is one index range

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 04:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NUMBERED = sa.text("number IS NOT NULL")


def upgrade() -> None:
    op.drop_index('ix_item_next_reminder', table_name='item')
    op.create_index('ix_item_next_reminder', 'item', ['status', 'next_reminder_at'],
                    sqlite_where=NUMBERED, postgresql_where=NUMBERED)


def downgrade() -> None:
    op.drop_index('ix_item_next_reminder', table_name='item')
    op.create_index('ix_item_next_reminder', 'item', ['status', 'next_reminder_at'])
