"""organization name index

The invite picker (`organizations`) lists organizations by name, then id, paging with keyset
cursors on both: an index on (name, id) serves the ordering and the cursor's range on
SQLite and PostgreSQL alike.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 00:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_organization_name", "organization", ["name", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_organization_name", table_name="organization")
