"""The event log's tables (db.event_log), beside the referral graph's (db.models)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from db.models import ActivityType, _enum_column, _timestamp


class LoggedEvent(SQLModel, table=True):
    """One entry of the event log (a transactional outbox): one per activity, appended in the
    activity's own transaction, numbered by `position` in commit order (db.event_log)."""

    __tablename__ = "referral_event"
    # AUTOINCREMENT on SQLite: a position is never handed out twice, even after pruning
    # deleted the newest rows (a plain rowid would restart at max + 1).
    __table_args__ = (
        Index("ix_referral_event_referral", "referral_id", "position"),
        {"sqlite_autoincrement": True},
    )

    position: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    # The event ID: the activity's, so one event per activity, stable across reads. No foreign
    # keys: appends are serialized (db.event_log), and a key check would lock referral rows.
    id: uuid.UUID = Field(nullable=False, unique=True)
    referral_id: uuid.UUID = Field(nullable=False)
    type: ActivityType = Field(sa_column=_enum_column(ActivityType, "type"))
    occurred_date: datetime = Field(sa_column=_timestamp())


class EventLogHorizon(SQLModel, table=True):
    """How far pruning has gone: positions up to `pruned_through` may have been deleted, so a
    reader resuming before it would miss events (EventsExpired). At most one row (id 1)."""

    __tablename__ = "referral_event_horizon"

    id: int = Field(primary_key=True)
    pruned_through: int = Field(sa_column=Column(BigInteger(), nullable=False))
