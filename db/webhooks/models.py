"""The webhook tables: organizations' endpoints, their deliveries and the fan-out cursor.

Beside `db.models` (whose column helpers they use) to keep each module one size; the
migrations' env imports both.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.models import _enum_column, _timestamp


class WebhookEventName(Enum):
    """Partner Center's webhook event names (the member's value is the name sent)."""

    REFERRAL_CREATED = "referral-created"
    REFERRAL_UPDATED = "referral-updated"


class WebhookDeliveryStatus(Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class Webhook(SQLModel, table=True):
    """An organization's endpoint for change events, with the secret that signs them."""

    __tablename__ = "webhook"
    __table_args__ = (Index("ix_webhook_organization", "organization_id", "created_date", "id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # No foreign key: a token's organization need not have a row here (as persisted queries).
    organization_id: uuid.UUID = Field(nullable=False)
    url: str = Field(sa_column=Column(String(2000), nullable=False))
    # Member names of WebhookEventName.
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The signing secret sealed with WEBHOOK_SECRET_KEY (api.webhooks.secrets), never shown again.
    sealed_secret: str = Field(sa_column=Column(String(500), nullable=False))
    active: bool = Field(default=True, nullable=False)
    description: str | None = Field(default=None, sa_column=Column(String(500)))
    created_date: datetime = Field(sa_column=_timestamp())


class WebhookDelivery(SQLModel, table=True):
    """One event for one webhook: the queue the delivery workers share, and its log."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),  # fanned out once per webhook
        # The workers' queue: due pending deliveries, oldest first.
        Index("ix_webhook_delivery_due", "status", "next_attempt_date"),
        # A webhook's delivery log, newest first.
        Index("ix_webhook_delivery_log", "webhook_id", "created_date", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    webhook_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("webhook.id", ondelete="CASCADE"), nullable=False)
    )
    event_id: uuid.UUID = Field(nullable=False)
    event_position: int = Field(sa_column=Column(BigInteger, nullable=False))
    event_name: WebhookEventName = Field(sa_column=_enum_column(WebhookEventName, "event_name"))
    referral_id: uuid.UUID = Field(nullable=False)
    occurred_date: datetime = Field(sa_column=_timestamp())
    status: WebhookDeliveryStatus = Field(sa_column=_enum_column(WebhookDeliveryStatus, "status"))
    attempts: int = Field(default=0, nullable=False)
    # When a worker should try next; while an attempt is in flight, when its lease runs out.
    next_attempt_date: datetime = Field(sa_column=_timestamp())
    # Set while a worker holds the delivery: no other worker takes it before then.
    leased_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    # Retries stop after this instant (the retry window from creation or redelivery).
    retry_until: datetime = Field(sa_column=_timestamp())
    last_attempt_date: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    last_response_code: int | None = Field(default=None)
    response_excerpt: str | None = Field(default=None, sa_column=Column(String(1100)))
    created_date: datetime = Field(sa_column=_timestamp())


class WebhookFanOut(SQLModel, table=True):
    """How far the event log has been fanned out into deliveries (one row)."""

    __tablename__ = "webhook_fan_out"

    name: str = Field(sa_column=Column(String(50), primary_key=True))
    position: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
