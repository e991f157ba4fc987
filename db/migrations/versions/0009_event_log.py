"""event log

The transactional outbox of issue 13: `referral_event`, one row per activity, numbered by
`position` in commit order, and `referral_event_horizon`, how far pruning has gone. SQLite
numbers with AUTOINCREMENT so that a position is never reused after pruning.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.columns  # (autogenerate references our column types: UTCDateTime)

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVITY_TYPES = (
    "CREATED",
    "UPDATED",
    "STATUS_CHANGED",
    "PARTICIPANT_INVITED",
    "INVITATION_ACCEPTED",
    "INVITATION_REJECTED",
    "INVITATION_EXPIRED",
    "INVITATION_MISSED",
    "NOTE_ADDED",
)


def upgrade() -> None:
    op.create_table(
        "referral_event",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                *ACTIVITY_TYPES,
                name="type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("occurred_date", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_referral_event")),
        sa.UniqueConstraint("id", name=op.f("uq_referral_event_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_referral_event_referral", "referral_event", ["referral_id", "position"], unique=False
    )
    op.create_table(
        "referral_event_horizon",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pruned_through", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_event_horizon")),
    )


def downgrade() -> None:
    op.drop_table("referral_event_horizon")
    op.drop_index("ix_referral_event_referral", table_name="referral_event")
    op.drop_table("referral_event")
