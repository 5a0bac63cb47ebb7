"""one live claim per unit and role on an item

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 01:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LIVE = sa.text("status IN ('pending', 'confirmed')")


def upgrade() -> None:
    op.create_index('uq_claim_live', 'claim', ['item_id', 'unit_id', 'role'], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade() -> None:
    op.drop_index('uq_claim_live', table_name='claim')
