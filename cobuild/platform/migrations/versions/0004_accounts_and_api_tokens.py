"""accounts and API tokens for the web app

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 00:40:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import cobuild.models.base
from cobuild import models

revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'account',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('login', sa.String(length=200), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_account_login'), 'account', ['login'], unique=True)
    op.create_table(
        'apitoken',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('last_used_at', models.base.UTCDateTime(), nullable=True),
        sa.Column('revoked', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_apitoken_account_id'), 'apitoken', ['account_id'], unique=False)
    op.create_index(op.f('ix_apitoken_digest'), 'apitoken', ['digest'], unique=True)
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_member_account_id'), ['account_id'], unique=False)
        batch_op.create_foreign_key('fk_member_account_id', 'account', ['account_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_constraint('fk_member_account_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_member_account_id'))
        batch_op.drop_column('account_id')
    op.drop_index(op.f('ix_apitoken_digest'), table_name='apitoken')
    op.drop_index(op.f('ix_apitoken_account_id'), table_name='apitoken')
    op.drop_table('apitoken')
    op.drop_index(op.f('ix_account_login'), table_name='account')
    op.drop_table('account')
