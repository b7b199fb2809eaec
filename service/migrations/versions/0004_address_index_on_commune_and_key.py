"""address index on commune and key

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 21:56:29.784142
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_address_commune'))
        batch_op.create_index('ix_address_commune_key', ['commune', 'key'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('address', schema=None) as batch_op:
        batch_op.drop_index('ix_address_commune_key')
        batch_op.create_index(batch_op.f('ix_address_commune'), ['commune'], unique=False)

