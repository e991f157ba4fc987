"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Float, Numeric, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in, aware UTC datetimes out.

    SQLite has no time zones: values are stored as naive UTC, whose text form sorts
    chronologically, and come back marked UTC so both engines answer alike.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """Exact decimal amounts: NUMERIC(18, 2) on PostgreSQL, text on SQLite (no float rounding)."""

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class _MoneyOrder(TypeDecorator[Decimal]):
    """What `money_order` compares with: a float on SQLite (as its CAST), else exact."""

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Float())
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return float(value) if dialect.name == "sqlite" else value


class money_order(FunctionElement[Decimal]):
    """A Money column as a number to compare and sort by: SQLite stores it as text."""

    type = _MoneyOrder()
    inherit_cache = True
    name = "money_order"


@compiles(money_order)
def _money_order(element: money_order, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(money_order, "sqlite")
def _money_order_sqlite(element: money_order, compiler: SQLCompiler, **kw: Any) -> str:
    # The same expression as SQLite's index on the column (migration 0006), so it is used.
    return f"CAST({compiler.process(element.clauses, **kw)} AS REAL)"


class text_order(FunctionElement[str]):
    """A text column in code point order on both engines (SQLite's BINARY collation)."""

    type = String()
    inherit_cache = True
    name = "text_order"


@compiles(text_order)
def _text_order(element: text_order, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(text_order, "postgresql")
def _text_order_postgresql(element: text_order, compiler: SQLCompiler, **kw: Any) -> str:
    # Whatever the database's locale; PostgreSQL's index on the column has this collation too.
    return f'({compiler.process(element.clauses, **kw)} COLLATE "C")'
