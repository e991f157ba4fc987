"""Case-insensitive text search, folded alike on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func


def folded_contains(column: ColumnElement[str], term: str) -> ColumnElement[bool]:
    """Whether `column` contains `term`, ignoring case, in the whole of Unicode.

    `lower` is PostgreSQL's, or on SQLite the Unicode one `db.engine` installs (SQLite's own
    folds ASCII only), so "MÜLLER" finds "Müller" on both; LIKE's wildcards in `term` are
    escaped, so they match themselves.
    """
    return func.lower(column).contains(term.lower(), autoescape=True)
