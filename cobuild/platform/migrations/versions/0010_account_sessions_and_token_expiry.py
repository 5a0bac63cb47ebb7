"""a session version per account (sign-out, a new password or a disabled account ends every
session at once) and an expiry per API token

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 02:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import cobuild.models.base
from cobuild import models

revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('apitoken', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('apitoken', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
