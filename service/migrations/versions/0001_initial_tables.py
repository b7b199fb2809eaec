"""create extract, commune, bureau, address and count tables

Revision ID: 0001
Revises:
Create Date: 2026-12-04 21:10:11.089677
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('bureau', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('numero', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('rep', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('voie', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('lieu_dit', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code_postal', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ville', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('voters', sa.Integer(), nullable=False),
    sa.Column('lines', sa.LargeBinary(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('result_type', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('result_score', sa.Float(), nullable=True),
    sa.Column('result_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('result_label', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('geocoder', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('usable', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_address_bureau'), ['bureau'], unique=False)
        batch_op.create_index(batch_op.f('ix_address_commune'), ['commune'], unique=False)

    op.create_table('extract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('layout', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('extract_date', sa.Date(), nullable=True),
    sa.Column('imported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('lines_read', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('voters', sa.Integer(), nullable=False),
    sa.Column('report', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('extract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extract_sha256'), ['sha256'], unique=False)

    op.create_table('voter_count',
    sa.Column('commune', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('bureau', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('type_liste', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('sexe', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('tranche_age', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('voters', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('commune', 'bureau', 'type_liste', 'sexe', 'tranche_age')
    )
    op.create_table('commune',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('extract_id', sa.Integer(), nullable=False),
    sa.Column('extract_date', sa.Date(), nullable=True),
    sa.Column('voters', sa.Integer(), nullable=False),
    sa.Column('geocoded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['extract_id'], ['extract.id'], ),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('commune', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commune_extract_id'), ['extract_id'], unique=False)

    op.create_table('bureau',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('commune', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('voters', sa.Integer(), nullable=False),
    sa.Column('addresses', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune'], ['commune.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bureau', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bureau_commune'), ['commune'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('bureau', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bureau_commune'))

    op.drop_table('bureau')
    with op.batch_alter_table('commune', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commune_extract_id'))

    op.drop_table('commune')
    op.drop_table('voter_count')
    with op.batch_alter_table('extract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extract_sha256'))

    op.drop_table('extract')
    with op.batch_alter_table('address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_address_commune'))
        batch_op.drop_index(batch_op.f('ix_address_bureau'))

    op.drop_table('address')
