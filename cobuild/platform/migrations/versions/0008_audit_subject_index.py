"""an index for a subject's timeline (the item page read every audit event to find an item's)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 07:30:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_auditevent_subject', 'auditevent', ['subject_type', 'subject_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_auditevent_subject', table_name='auditevent')
