"""partner center shape

What the newer Partner Center referral resource carries and ours lacked: the referral's type,
qualification, external reference id (unique per owner organization where given), the
customer's consent and the solution profiles it targets; the customer's size and region, and
a state that countries without states may leave out. Existing referrals read as INDEPENDENT,
NONE, shared with other participants (consent as this API behaved before it had consent),
without a target.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIZES = (
    "SIZE_1_TO_50",
    "SIZE_51_TO_500",
    "SIZE_MORE_THAN_500",
    "SIZE_1_TO_9",
    "SIZE_10_TO_50",
    "SIZE_51_TO_250",
    "SIZE_251_TO_1000",
    "SIZE_1001_TO_5000",
    "SIZE_5001_TO_10000",
    "SIZE_10001_TO_20000",
    "SIZE_MORE_THAN_20000",
)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "type",
                _enum("type", "INDEPENDENT", "SHARED"),
                nullable=False,
                server_default="INDEPENDENT",
            )
        )
        batch_op.add_column(
            sa.Column(
                "qualification",
                _enum("qualification", "NONE", "DIRECT", "MARKETING_QUALIFIED", "SALES_QUALIFIED"),
                nullable=False,
                server_default="NONE",
            )
        )
        batch_op.add_column(sa.Column("external_reference_id", sa.String(length=100)))
        batch_op.add_column(
            sa.Column(
                "consent_share_info_with_others",
                sa.Boolean(),
                nullable=False,
                server_default=sa.true(),
            )
        )
        batch_op.add_column(
            sa.Column(
                "consent_contact_customer", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
        batch_op.add_column(
            sa.Column(
                "consent_share_with_microsoft_sellers",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch_op.add_column(
            sa.Column("target", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.create_index(
            "uq_referral_external_reference",
            ["owner_organization_id", "external_reference_id"],
            unique=True,
            sqlite_where=sa.text("external_reference_id IS NOT NULL"),
            postgresql_where=sa.text("external_reference_id IS NOT NULL"),
        )
    with op.batch_alter_table("customer_profile", schema=None) as batch_op:
        batch_op.alter_column("state", existing_type=sa.String(length=100), nullable=True)
        batch_op.add_column(sa.Column("region", sa.String(length=100)))
        batch_op.add_column(sa.Column("size", _enum("size", *SIZES)))


def downgrade() -> None:
    # The CHECK constraints go first: SQLite's table rebuild would copy them onto a table
    # without their column.
    with op.batch_alter_table("customer_profile", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_customer_profile_size"), type_="check")
        batch_op.drop_column("size")
        batch_op.drop_column("region")
    # A state left out has no stored value to go back to: it reads as empty text.
    op.execute("UPDATE customer_profile SET state = '' WHERE state IS NULL")
    with op.batch_alter_table("customer_profile", schema=None) as batch_op:
        batch_op.alter_column("state", existing_type=sa.String(length=100), nullable=False)
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index("uq_referral_external_reference")
        batch_op.drop_constraint(op.f("ck_referral_qualification"), type_="check")
        batch_op.drop_constraint(op.f("ck_referral_type"), type_="check")
        for column in (
            "target",
            "consent_share_with_microsoft_sellers",
            "consent_contact_customer",
            "consent_share_info_with_others",
            "external_reference_id",
            "qualification",
            "type",
        ):
            batch_op.drop_column(column)
