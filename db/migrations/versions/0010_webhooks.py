"""webhooks

Organizations' webhook endpoints, their deliveries (the queue the workers share and its log)
and the fan-out cursor over the event log.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 01:15:07.141810
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.columns  # (our column types: UTCDateTime)

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "webhook",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("sealed_secret", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("created_date", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook")),
    )
    op.create_index("ix_webhook_organization", "webhook", ["organization_id", "created_date", "id"])
    op.create_table(
        "webhook_fan_out",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_webhook_fan_out")),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("webhook_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_position", sa.BigInteger(), nullable=False),
        sa.Column(
            "event_name",
            _enum("event_name", "REFERRAL_CREATED", "REFERRAL_UPDATED"),
            nullable=False,
        ),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_date", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", _enum("status", "PENDING", "SUCCEEDED", "FAILED"), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_date", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("leased_until", db.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retry_until", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_date", db.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_response_code", sa.Integer(), nullable=True),
        sa.Column("response_excerpt", sa.String(length=1100), nullable=True),
        sa.Column("created_date", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhook.id"],
            name=op.f("fk_webhook_delivery_webhook_id_webhook"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.UniqueConstraint("webhook_id", "event_id", name=op.f("uq_webhook_delivery_webhook_id")),
    )
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_date"])
    op.create_index(
        "ix_webhook_delivery_log", "webhook_delivery", ["webhook_id", "created_date", "id"]
    )


def downgrade() -> None:
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_fan_out")
    op.drop_table("webhook")
