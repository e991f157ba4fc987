"""rate limit windows

Each organization's rate-limit window, shared by every worker on PostgreSQL (one row per
organization, overwritten in place). On PostgreSQL the table is UNLOGGED: every charged
operation writes it, and a logged table would make each of those commits wait for a WAL
flush; the price is that a crash (or a failover to a standby) empties it, which restores every
organization's full budget once, as restarting a worker did when the count lived in memory.
fillfactor 50 leaves room on each page for the next version of its rows, so that updates stay
HOT (no index change) and pages prune themselves. SQLite keeps the table unused (the one
process counts in memory) so that both engines have the same schema.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.columns  # (autogenerate references our column types: UTCDateTime)

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "rate_limit_window",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("reset_at", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.Column("admitted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_rate_limit_window")),
        prefixes=["UNLOGGED"] if postgresql else [],
    )
    if postgresql:
        op.execute("ALTER TABLE rate_limit_window SET (fillfactor = 50)")


def downgrade() -> None:
    op.drop_table("rate_limit_window")
