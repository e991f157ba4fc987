"""persisted operations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 02:22:52.713355
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.columns  # (autogenerate references our column types: UTCDateTime)

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "persisted_operation",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_date", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.Uuid(), nullable=True),
        sa.Column("safelisted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_persisted_operation")),
    )


def downgrade() -> None:
    op.drop_table("persisted_operation")
