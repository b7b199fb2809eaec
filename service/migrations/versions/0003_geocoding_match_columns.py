"""geocoding match columns

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 21:22:30.140796
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.add_column(sa.Column("street_key", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("result_numero", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("result_citycode", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.drop_column("result_citycode")
        batch_op.drop_column("result_numero")
        batch_op.drop_column("street_key")
