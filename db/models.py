"""SQLModel tables and enums of the referral graph: data only, no behaviour."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from db.columns import Money, UTCDateTime


class ReferralStatus(Enum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    WON = "WON"
    LOST = "LOST"


class ReferralSource(Enum):
    WEB_DIRECT = "WEB_DIRECT"
    PARTNER_LED = "PARTNER_LED"
    AGENT_LED = "AGENT_LED"
    P2P = "P2P"


class ReferralType(Enum):
    """Partner Center's ReferralType: one partner works the lead, or several co-sell it."""

    INDEPENDENT = "INDEPENDENT"
    SHARED = "SHARED"


class ReferralQualification(Enum):
    """Partner Center's ReferralQualification: how far the lead was qualified."""

    NONE = "NONE"
    DIRECT = "DIRECT"
    MARKETING_QUALIFIED = "MARKETING_QUALIFIED"
    SALES_QUALIFIED = "SALES_QUALIFIED"


class ReferralSubstatus(Enum):
    """Partner Center's ReferralSubstatus: the status as one viewer sees it. Derived by
    `db.rules.substatus`, never stored."""

    PENDING = "PENDING"
    RECEIVED = "RECEIVED"
    ACCEPTED = "ACCEPTED"
    WON = "WON"
    LOST = "LOST"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"


class CustomerSize(Enum):
    """Partner Center's customer size bands (CustomerProfile.size), in its order: three broad
    bands, then seven narrower ones; Partner Center accepts either set."""

    SIZE_1_TO_50 = "SIZE_1_TO_50"
    SIZE_51_TO_500 = "SIZE_51_TO_500"
    SIZE_MORE_THAN_500 = "SIZE_MORE_THAN_500"
    SIZE_1_TO_9 = "SIZE_1_TO_9"
    SIZE_10_TO_50 = "SIZE_10_TO_50"
    SIZE_51_TO_250 = "SIZE_51_TO_250"
    SIZE_251_TO_1000 = "SIZE_251_TO_1000"
    SIZE_1001_TO_5000 = "SIZE_1001_TO_5000"
    SIZE_5001_TO_10000 = "SIZE_5001_TO_10000"
    SIZE_10001_TO_20000 = "SIZE_10001_TO_20000"
    SIZE_MORE_THAN_20000 = "SIZE_MORE_THAN_20000"


class ParticipantStatus(Enum):
    INVITED = "INVITED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    MISSED = "MISSED"


class ActivityType(Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    STATUS_CHANGED = "STATUS_CHANGED"
    PARTICIPANT_INVITED = "PARTICIPANT_INVITED"
    INVITATION_ACCEPTED = "INVITATION_ACCEPTED"
    INVITATION_REJECTED = "INVITATION_REJECTED"
    INVITATION_EXPIRED = "INVITATION_EXPIRED"
    INVITATION_MISSED = "INVITATION_MISSED"
    NOTE_ADDED = "NOTE_ADDED"


# Deterministic constraint names, so Alembic migrations are identical on every engine.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum_column(
    enum: type[Enum], column: str, *, nullable: bool = False, server_default: str | None = None
) -> Column[Enum]:
    # Stored as the member name in a VARCHAR with a CHECK: portable, readable, and safe to extend.
    return Column(
        SAEnum(enum, native_enum=False, create_constraint=True, length=32, name=column),
        nullable=nullable,
        server_default=server_default,
    )


def _timestamp(*, nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Organization(SQLModel, table=True):
    __tablename__ = "organization"
    # The invite picker lists organizations by name, then id, with keyset cursors on both.
    __table_args__ = (Index("ix_organization_name", "name", "id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))


class User(SQLModel, table=True):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True)
    display_name: str = Field(sa_column=Column(String(200), nullable=False))
    email: str = Field(sa_column=Column(String(254), nullable=False))


class Referral(SQLModel, table=True):
    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_created", "created_date", "id"),
        Index("ix_referral_updated", "updated_date", "id"),
        # In code point order on PostgreSQL (COLLATE "C", migration 0006), as SQLite's BINARY.
        Index("ix_referral_name", "name", "id"),
        # The owner's CRM key names one referral of that owner (migration 0008).
        Index(
            "uq_referral_external_reference",
            "owner_organization_id",
            "external_reference_id",
            unique=True,
            sqlite_where=text("external_reference_id IS NOT NULL"),
            postgresql_where=text("external_reference_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    status: ReferralStatus = Field(sa_column=_enum_column(ReferralStatus, "status"))
    status_reason: str | None = Field(default=None, sa_column=Column(String(1000)))
    referral_source: ReferralSource = Field(
        sa_column=_enum_column(ReferralSource, "referral_source")
    )
    owner_organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True)
    type: ReferralType = Field(
        default=ReferralType.INDEPENDENT,
        sa_column=_enum_column(ReferralType, "type", server_default="INDEPENDENT"),
    )
    qualification: ReferralQualification = Field(
        default=ReferralQualification.NONE,
        sa_column=_enum_column(ReferralQualification, "qualification", server_default="NONE"),
    )
    external_reference_id: str | None = Field(default=None, sa_column=Column(String(100)))
    # Consent is the customer's, given once at creation. Rows from before consent existed read
    # as shared with other participants: what this API did then.
    consent_share_info_with_others: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=true())
    )
    consent_contact_customer: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=true())
    )
    consent_share_with_microsoft_sellers: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    # Partner Center's `target`: solution profile references, [{"id": ..., "type": ...}].
    target: list[dict[str, str]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=text("'[]'")),
    )
    version: int = Field(default=1, nullable=False)
    created_date: datetime = Field(sa_column=_timestamp())
    updated_date: datetime = Field(sa_column=_timestamp())


class CustomerProfile(SQLModel, table=True):
    """The customer of a referral, with its address and contact stored inline (value objects)."""

    __tablename__ = "customer_profile"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    referral_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("referral.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    name: str = Field(sa_column=Column(String(200), nullable=False))
    address_line1: str = Field(sa_column=Column(String(200), nullable=False))
    address_line2: str | None = Field(default=None, sa_column=Column(String(200)))
    city: str = Field(sa_column=Column(String(100), nullable=False))
    # Optional where the country has no states (`db.validation.STATE_REQUIRED_COUNTRIES`).
    state: str | None = Field(default=None, sa_column=Column(String(100)))
    postal_code: str = Field(sa_column=Column(String(20), nullable=False))
    country: str = Field(sa_column=Column(String(2), nullable=False, index=True))
    region: str | None = Field(default=None, sa_column=Column(String(100)))
    size: CustomerSize | None = Field(
        default=None, sa_column=_enum_column(CustomerSize, "size", nullable=True)
    )
    contact_first_name: str = Field(sa_column=Column(String(100), nullable=False))
    contact_last_name: str = Field(sa_column=Column(String(100), nullable=False))
    contact_email: str = Field(sa_column=Column(String(254), nullable=False))
    contact_phone_number: str = Field(sa_column=Column(String(16), nullable=False))


class CustomerRequirements(SQLModel, table=True):
    __tablename__ = "customer_requirements"

    referral_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("referral.id", ondelete="CASCADE"), primary_key=True)
    )
    industries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    products: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    solutions: str | None = Field(default=None, sa_column=Column(String(1000)))
    customer_need: str | None = Field(default=None, sa_column=Column(String(2000)))


class AdditionalInformation(SQLModel, table=True):
    __tablename__ = "additional_information"
    __table_args__ = (
        # On SQLite over CAST(deal_value AS REAL), the number its text stands for (0006).
        Index("ix_additional_information_deal_value", "deal_value", "referral_id"),
        Index("ix_additional_information_closing_date", "closing_date", "referral_id"),
    )

    referral_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("referral.id", ondelete="CASCADE"), primary_key=True)
    )
    notes: str | None = Field(default=None, sa_column=Column(Text))
    deal_value: Decimal | None = Field(default=None, sa_column=Column(Money()))
    currency: str | None = Field(default=None, sa_column=Column(String(3)))
    closing_date: date | None = Field(default=None, sa_column=Column(Date))


class Participant(SQLModel, table=True):
    """One organization's part in a referral: its owner, or an invitation and its answer."""

    __tablename__ = "participant"
    __table_args__ = (
        Index("ix_participant_org_referral", "organization_id", "referral_id"),
        # An organization holds at most one open (INVITED or ACCEPTED) participation per referral.
        Index(
            "uq_participant_open_per_organization",
            "referral_id",
            "organization_id",
            unique=True,
            sqlite_where=text("status IN ('INVITED', 'ACCEPTED')"),
            postgresql_where=text("status IN ('INVITED', 'ACCEPTED')"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    referral_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("referral.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    organization_id: uuid.UUID = Field(foreign_key="organization.id")
    status: ParticipantStatus = Field(sa_column=_enum_column(ParticipantStatus, "status"))
    invited_by_participant_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("participant.id"), nullable=True)
    )
    invited_date: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    responded_date: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    expires_date: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    note: str | None = Field(default=None, sa_column=Column(String(2000)))


class ParticipantUser(SQLModel, table=True):
    """The users of an organization who work a referral for their participant."""

    __tablename__ = "participant_user"
    __table_args__ = (UniqueConstraint("participant_id", "position"),)

    participant_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True)
    )
    user_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("app_user.id"), primary_key=True, index=True)
    )
    position: int = Field(default=0, nullable=False)


class Activity(SQLModel, table=True):
    """One entry of a referral's append-only history."""

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_referral", "referral_id", "occurred_date", "id"),
        Index("ix_activity_actor", "actor_participant_id", "occurred_date", "id"),
        Index("ix_activity_subject", "subject_participant_id", "occurred_date", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    referral_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("referral.id", ondelete="CASCADE"), nullable=False)
    )
    type: ActivityType = Field(sa_column=_enum_column(ActivityType, "type"))
    occurred_date: datetime = Field(sa_column=_timestamp())
    actor_participant_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("participant.id"), nullable=True)
    )
    subject_participant_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("participant.id"), nullable=True)
    )
    from_status: ReferralStatus | None = Field(
        default=None, sa_column=_enum_column(ReferralStatus, "from_status", nullable=True)
    )
    to_status: ReferralStatus | None = Field(
        default=None, sa_column=_enum_column(ReferralStatus, "to_status", nullable=True)
    )
    note: str | None = Field(default=None, sa_column=Column(String(2000)))


class IdempotencyKey(SQLModel, table=True):
    """A createReferral retry key: the first request's body hash and the referral it made."""

    __tablename__ = "idempotency_key"

    organization_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("organization.id"), primary_key=True)
    )
    key: str = Field(sa_column=Column(String(200), primary_key=True))
    request_hash: str = Field(sa_column=Column(String(64), nullable=False))
    referral_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("referral.id", ondelete="CASCADE"), nullable=False)
    )
    created_date: datetime = Field(sa_column=_timestamp())
