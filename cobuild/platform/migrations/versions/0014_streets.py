"""streets: the street office groups councils; its staff read them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 04:40:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from cobuild.models.base import UTCDateTime

revision: str = '0014'
down_revision: Union[str, None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'street',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_street_name', 'street', ['name'], unique=True)
    op.create_table(
        'streetstaff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['street_id'], ['street.id']),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('street_id', 'account_id'),
    )
    op.create_index('ix_streetstaff_street_id', 'streetstaff', ['street_id'])
    op.create_index('ix_streetstaff_account_id', 'streetstaff', ['account_id'])
    with op.batch_alter_table('council', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_council_street_id', ['street_id'])
        batch_op.create_foreign_key('fk_council_street_id', 'street', ['street_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('council', schema=None) as batch_op:
        batch_op.drop_constraint('fk_council_street_id', type_='foreignkey')
        batch_op.drop_index('ix_council_street_id')
        batch_op.drop_column('street_id')
    op.drop_table('streetstaff')
    op.drop_table('street')
