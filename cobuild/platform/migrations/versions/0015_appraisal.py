"""the yearly appraisal of member units: rounds, self-evaluations, ratings, residents' codes and ratings

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 05:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from cobuild.models.base import JSONType, UTCDateTime

revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'appraisalround',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=True),
        sa.Column('street_id', sa.Integer(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('weights', JSONType, nullable=False),
        sa.Column('grades', JSONType, nullable=False),
        sa.Column('excellent_cap', sa.Float(), nullable=True),
        sa.Column('self_due', sa.Date(), nullable=False),
        sa.Column('closes_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('opened_at', UTCDateTime(), nullable=False),
        sa.Column('published_at', UTCDateTime(), nullable=True),
        sa.Column('result', JSONType, nullable=True),
        sa.ForeignKeyConstraint(['council_id'], ['council.id']),
        sa.ForeignKeyConstraint(['street_id'], ['street.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_appraisalround_council_id', 'appraisalround', ['council_id'])
    op.create_index('ix_appraisalround_street_id', 'appraisalround', ['street_id'])
    op.create_table(
        'selfevaluation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('report', sa.String(length=4000), nullable=False),
        sa.Column('scores', JSONType, nullable=False),
        sa.Column('submitted_by', sa.Integer(), nullable=False),
        sa.Column('submitted_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['appraisalround.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['submitted_by'], ['member.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('round_id', 'unit_id'),
    )
    op.create_index('ix_selfevaluation_round_id', 'selfevaluation', ['round_id'])
    op.create_table(
        'rating',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('rater', sa.String(length=40), nullable=False),
        sa.Column('scores', JSONType, nullable=False),
        sa.Column('comment', sa.String(length=1000), nullable=False),
        sa.Column('rated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['appraisalround.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('round_id', 'unit_id', 'rater'),
    )
    op.create_index('ix_rating_round_id', 'rating', ['round_id'])
    op.create_table(
        'residentcode',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['round_id'], ['appraisalround.id']),
        sa.ForeignKeyConstraint(['council_id'], ['council.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_residentcode_round_id', 'residentcode', ['round_id'])
    op.create_index('ix_residentcode_code_hash', 'residentcode', ['code_hash'], unique=True)
    op.create_table(
        'residentrating',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('code_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('stars', sa.Integer(), nullable=False),
        sa.Column('comment', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['appraisalround.id']),
        sa.ForeignKeyConstraint(['code_id'], ['residentcode.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_residentrating_round_id', 'residentrating', ['round_id'])
    op.create_index('ix_residentrating_code_id', 'residentrating', ['code_id'])


def downgrade() -> None:
    for table in ('residentrating', 'residentcode', 'rating', 'selfevaluation', 'appraisalround'):
        op.drop_table(table)
