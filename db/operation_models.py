"""The tables of the API's own bookkeeping about operations, beside the referral graph's
(db.models): documents it runs (safelisted and registered) and each organization's rate-limit
window."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, String, Text
from sqlmodel import Field, SQLModel

from db.models import _timestamp


class PersistedOperation(SQLModel, table=True):
    """A GraphQL document on the safelist, stored under the sha256 of its exact text.

    Loaded by `referrals persisted load`; shared by every worker and organization, never
    evicted, and the only documents that run when the API allows persisted operations only.
    """

    __tablename__ = "persisted_operation"

    sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    document: str = Field(sa_column=Column(Text, nullable=False))
    created_date: datetime = Field(sa_column=_timestamp())


class RegisteredOperation(SQLModel, table=True):
    """A document an organization's client registered (Apollo's automatic persisted queries).

    Each organization has a store of its own, bounded in documents and bytes: registering past
    either bound evicts that organization's least recently used documents, never another's.
    """

    __tablename__ = "registered_operation"

    # No foreign key: a token's organization need not have a row here.
    organization_id: uuid.UUID = Field(primary_key=True)
    sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    document: str = Field(sa_column=Column(Text, nullable=False))
    # The document's UTF-8 size, so that a quota sums a column on either engine.
    bytes: int = Field(nullable=False)
    created_date: datetime = Field(sa_column=_timestamp())
    # Written at most once per db.persisted.LAST_USED_PRECISION per worker, not per request.
    last_used_date: datetime = Field(sa_column=_timestamp())


class RateLimitWindow(SQLModel, table=True):
    """An organization's current rate-limit window, shared by every worker (PostgreSQL only:
    on SQLite the one process counts in memory). One row per organization, overwritten in
    place when its window has ended, so nothing needs sweeping; migration 0011 makes it
    UNLOGGED on PostgreSQL (db.rate_limits says why)."""

    __tablename__ = "rate_limit_window"

    # No foreign key: a token's organization need not have a row, and a charge must not lock
    # the organization's row.
    organization_id: uuid.UUID = Field(primary_key=True)
    reset_at: datetime = Field(sa_column=_timestamp())
    used: int = Field(sa_column=Column(BigInteger, nullable=False))
    # Whether the statement that last wrote the row admitted its operation: RETURNING sees
    # only the new row, and a refusal leaves `used` as it was.
    admitted: bool = Field(nullable=False)
