"""outlines and builds

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 21:21:35.936504
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('build',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('communes', sa.Integer(), nullable=False),
    sa.Column('bureaux', sa.Integer(), nullable=False),
    sa.Column('bureaux_without_outline', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('commune_boundary',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('geometry', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('active_build',
    sa.Column('commune', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('build_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['build_id'], ['build.id'], ),
    sa.PrimaryKeyConstraint('commune')
    )
    with op.batch_alter_table('active_build', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_active_build_build_id'), ['build_id'], unique=False)

    op.create_table('commune_build',
    sa.Column('build_id', sa.Integer(), nullable=False),
    sa.Column('commune', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('crs', sa.Integer(), nullable=True),
    sa.Column('report', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['build_id'], ['build.id'], ),
    sa.PrimaryKeyConstraint('build_id', 'commune')
    )
    op.create_table('outline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('build_id', sa.Integer(), nullable=False),
    sa.Column('commune', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('bureau', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('geometry', sa.LargeBinary(), nullable=False),
    sa.Column('geometry_local', sa.LargeBinary(), nullable=False),
    sa.Column('crs', sa.Integer(), nullable=False),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.Column('area_m2', sa.Float(), nullable=False),
    sa.Column('addresses', sa.Integer(), nullable=False),
    sa.Column('voters', sa.Integer(), nullable=False),
    sa.Column('points_used', sa.Integer(), nullable=False),
    sa.Column('voters_in_outline', sa.Float(), nullable=True),
    sa.Column('fallback', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['build_id'], ['build.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outline_build_id'), ['build_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outline_bureau'), ['bureau'], unique=False)
        batch_op.create_index(batch_op.f('ix_outline_commune'), ['commune'], unique=False)


    _create_spatial_index()

def downgrade() -> None:
    _drop_spatial_index()
    with op.batch_alter_table('outline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outline_commune'))
        batch_op.drop_index(batch_op.f('ix_outline_bureau'))
        batch_op.drop_index(batch_op.f('ix_outline_build_id'))

    op.drop_table('outline')
    op.drop_table('commune_build')
    with op.batch_alter_table('active_build', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_active_build_build_id'))

    op.drop_table('active_build')
    op.drop_table('commune_boundary')
    op.drop_table('build')


def _create_spatial_index() -> None:
    """Index outline bounding boxes: SQLite's R*Tree module, or a GiST index on PostGIS."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE outline_rtree USING rtree(id, minx, maxx, miny, maxy)")
        op.execute(
            "CREATE TRIGGER outline_rtree_insert AFTER INSERT ON outline BEGIN "
            "INSERT INTO outline_rtree VALUES (new.id, new.minx, new.maxx, new.miny, new.maxy); END"
        )
        op.execute("CREATE TRIGGER outline_rtree_delete AFTER DELETE ON outline BEGIN DELETE FROM outline_rtree WHERE id = old.id; END")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.execute("ALTER TABLE outline ADD COLUMN geom geometry(MultiPolygon, 4326)")
        op.execute(
            "CREATE FUNCTION outline_set_geom() RETURNS trigger AS $$ BEGIN "
            "NEW.geom := ST_Multi(ST_GeomFromWKB(NEW.geometry, 4326)); RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        op.execute("CREATE TRIGGER outline_geom BEFORE INSERT OR UPDATE ON outline FOR EACH ROW EXECUTE FUNCTION outline_set_geom()")
        op.execute("CREATE INDEX ix_outline_geom ON outline USING gist (geom)")


def _drop_spatial_index() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS outline_rtree_insert")
        op.execute("DROP TRIGGER IF EXISTS outline_rtree_delete")
        op.execute("DROP TABLE IF EXISTS outline_rtree")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outline_geom ON outline")
        op.execute("DROP FUNCTION IF EXISTS outline_set_geom()")
        op.execute("DROP INDEX IF EXISTS ix_outline_geom")
        op.execute("ALTER TABLE outline DROP COLUMN IF EXISTS geom")
