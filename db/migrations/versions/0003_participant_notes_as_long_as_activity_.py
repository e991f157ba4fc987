"""participant notes as long as activity notes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 01:46:16.643556
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.columns  # noqa: F401  (autogenerate may reference our column types)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.alter_column(
            "note",
            existing_type=sa.VARCHAR(length=1000),
            type_=sa.String(length=2000),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.alter_column(
            "note",
            existing_type=sa.String(length=2000),
            type_=sa.VARCHAR(length=1000),
            existing_nullable=True,
        )
