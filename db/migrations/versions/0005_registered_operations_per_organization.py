"""registered operations per organization

Automatic persisted queries move from `persisted_operation` (one store shared by every
organization) to `registered_operation`, keyed by organization, with each document's size and
last use for the quota's least-recently-used eviction; `persisted_operation` keeps the
safelist only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.columns

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 500


def upgrade() -> None:
    op.create_table(
        "registered_operation",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("created_date", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_date", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "sha256", name=op.f("pk_registered_operation")),
    )
    # Registrations keep their organization, and count against its quota from its next
    # registration on (which evicts down to it); the safelist stays where it is.
    bind = op.get_bind()
    size = (
        "octet_length(document)"
        if bind.dialect.name == "postgresql"
        else "length(CAST(document AS BLOB))"
    )
    op.execute(
        "INSERT INTO registered_operation "
        "(organization_id, sha256, document, bytes, created_date, last_used_date) "
        f"SELECT registered_by, sha256, document, {size}, created_date, created_date "
        "FROM persisted_operation WHERE NOT safelisted AND registered_by IS NOT NULL"
    )
    op.execute("DELETE FROM persisted_operation WHERE NOT safelisted")
    with op.batch_alter_table("persisted_operation", schema=None) as batch_op:
        batch_op.drop_column("safelisted")
        batch_op.drop_column("registered_by")


def downgrade() -> None:
    with op.batch_alter_table("persisted_operation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registered_by", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("safelisted", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("persisted_operation", schema=None) as batch_op:
        batch_op.alter_column("safelisted", server_default=None)
    # One shared store again: a hash registered by several organizations keeps one of them,
    # and a safelisted hash stays safelisted.
    bind = op.get_bind()
    persisted = sa.table(
        "persisted_operation",
        sa.column("sha256", sa.String()),
        sa.column("document", sa.Text()),
        sa.column("created_date", db.columns.UTCDateTime()),
        sa.column("registered_by", sa.Uuid()),
        sa.column("safelisted", sa.Boolean()),
    )
    registered = sa.table(
        "registered_operation",
        sa.column("organization_id", sa.Uuid()),
        sa.column("sha256", sa.String()),
        sa.column("document", sa.Text()),
        sa.column("created_date", db.columns.UTCDateTime()),
    )
    taken = set(bind.scalars(sa.select(persisted.c.sha256)))
    rows = []
    for row in bind.execute(
        sa.select(registered).order_by(registered.c.created_date, registered.c.sha256)
    ):
        if row.sha256 not in taken:
            taken.add(row.sha256)
            rows.append(
                {
                    "sha256": row.sha256,
                    "document": row.document,
                    "created_date": row.created_date,
                    "registered_by": row.organization_id,
                    "safelisted": False,
                }
            )
    for start in range(0, len(rows), CHUNK):
        bind.execute(persisted.insert(), rows[start : start + CHUNK])
    op.drop_table("registered_operation")
