"""the service menu: offers, in-service party members who reported (volunteers), orders

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 04:40:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from cobuild.models.base import JSONType, UTCDateTime

revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'offer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('description', sa.String(length=2000), nullable=False),
        sa.Column('team', sa.String(length=200), nullable=False),
        sa.Column('capacity_per_month', sa.Integer(), nullable=True),
        sa.Column('availability', sa.String(length=200), nullable=False),
        sa.Column('how_to_order', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['council_id'], ['council.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['created_by'], ['member.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_offer_council_id', 'offer', ['council_id'])
    op.create_index('ix_offer_unit_id', 'offer', ['unit_id'])
    op.create_table(
        'volunteer',
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('contact', sa.String(length=100), nullable=False),
        sa.Column('skills', sa.String(length=500), nullable=False),
        sa.Column('posts', JSONType, nullable=False),
        sa.Column('team', sa.String(length=40), nullable=False),
        sa.Column('reported_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id']),
        sa.ForeignKeyConstraint(['council_id'], ['council.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('member_id'),
    )
    op.create_index('ix_volunteer_council_id', 'volunteer', ['council_id'])
    op.create_index('ix_volunteer_unit_id', 'volunteer', ['unit_id'])
    op.create_table(
        'order',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('need', sa.String(length=2000), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('wanted_on', sa.Date(), nullable=True),
        sa.Column('residents', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('placed_by', sa.Integer(), nullable=False),
        sa.Column('placed_by_unit_id', sa.Integer(), nullable=False),
        sa.Column('placed_at', UTCDateTime(), nullable=False),
        sa.Column('taken_by', sa.Integer(), nullable=True),
        sa.Column('taken_at', UTCDateTime(), nullable=True),
        sa.Column('reason', sa.String(length=1000), nullable=True),
        sa.Column('service_on', sa.Date(), nullable=True),
        sa.Column('served_on', sa.Date(), nullable=True),
        sa.Column('hours', sa.Float(), nullable=True),
        sa.Column('residents_served', sa.Integer(), nullable=True),
        sa.Column('record_note', sa.String(length=2000), nullable=False),
        sa.Column('evidence', JSONType, nullable=False),
        sa.Column('served_by', JSONType, nullable=False),
        sa.Column('recorded_at', UTCDateTime(), nullable=True),
        sa.Column('rating', sa.Integer(), nullable=True),
        sa.Column('comment', sa.String(length=1000), nullable=False),
        sa.Column('rated_at', UTCDateTime(), nullable=True),
        sa.Column('answer', sa.String(length=1000), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['council_id'], ['council.id']),
        sa.ForeignKeyConstraint(['offer_id'], ['offer.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['placed_by'], ['member.id']),
        sa.ForeignKeyConstraint(['placed_by_unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['taken_by'], ['member.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_order_council_id', 'order', ['council_id'])
    op.create_index('ix_order_offer_id', 'order', ['offer_id'])
    op.create_index('ix_order_unit_id', 'order', ['unit_id'])
    op.create_index('ix_order_council_status', 'order', ['council_id', 'status'])


def downgrade() -> None:
    op.drop_table('order')
    op.drop_table('volunteer')
    op.drop_table('offer')
