"""referral list orderings

Indexes for ordering the referrals list by name, deal value and closing date (ties broken by
id). Names sort by code point on both engines: PostgreSQL's index says COLLATE "C" (SQLite's
BINARY is that already). SQLite stores amounts as text, so its deal value index is over the
number the text stands for. Nulls come last in either direction: SQLite (nulls smallest)
reads its index backward for a descending list, PostgreSQL (nulls largest) forward for an
ascending one and has a DESC NULLS LAST twin for the descending one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 00:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL-only twins for descending lists with nulls last (not in the models: SQLite
# cannot declare where nulls go in an index).
POSTGRESQL_DESCENDING = {
    "ix_additional_information_deal_value_desc": "deal_value",
    "ix_additional_information_closing_date_desc": "closing_date",
}


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    name = 'name COLLATE "C"' if postgresql else "name"
    amount = "deal_value" if postgresql else "CAST(deal_value AS REAL)"
    op.execute(f"CREATE INDEX ix_referral_name ON referral ({name}, id)")
    op.execute(
        "CREATE INDEX ix_additional_information_deal_value "
        f"ON additional_information ({amount}, referral_id)"
    )
    op.create_index(
        "ix_additional_information_closing_date",
        "additional_information",
        ["closing_date", "referral_id"],
    )
    if postgresql:
        for index, column in POSTGRESQL_DESCENDING.items():
            op.execute(
                f"CREATE INDEX {index} ON additional_information "
                f"({column} DESC NULLS LAST, referral_id DESC)"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for index in POSTGRESQL_DESCENDING:
            op.drop_index(index, table_name="additional_information")
    op.drop_index("ix_additional_information_closing_date", table_name="additional_information")
    op.drop_index("ix_additional_information_deal_value", table_name="additional_information")
    op.drop_index("ix_referral_name", table_name="referral")
