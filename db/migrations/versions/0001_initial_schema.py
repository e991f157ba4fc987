"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 01:19:33.898735
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.columns

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organization",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_app_user_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_app_user_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "referral",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "ACTIVE",
                "WON",
                "LOST",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.String(length=1000), nullable=True),
        sa.Column(
            "referral_source",
            sa.Enum(
                "WEB_DIRECT",
                "PARTNER_LED",
                "AGENT_LED",
                "P2P",
                name="referral_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("owner_organization_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_date", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_date", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_organization_id"],
            ["organization.id"],
            name=op.f("fk_referral_owner_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index("ix_referral_created", ["created_date", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referral_owner_organization_id"), ["owner_organization_id"], unique=False
        )
        batch_op.create_index("ix_referral_updated", ["updated_date", "id"], unique=False)

    op.create_table(
        "additional_information",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("deal_value", db.columns.Money(precision=18, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("closing_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_additional_information_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_additional_information")),
    )
    op.create_table(
        "customer_profile",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=False),
        sa.Column("address_line2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("contact_first_name", sa.String(length=100), nullable=False),
        sa.Column("contact_last_name", sa.String(length=100), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone_number", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_customer_profile_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_profile")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_customer_profile_referral_id")),
    )
    with op.batch_alter_table("customer_profile", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_profile_country"), ["country"], unique=False)

    op.create_table(
        "customer_requirements",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("solutions", sa.String(length=1000), nullable=True),
        sa.Column("customer_need", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_customer_requirements_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_customer_requirements")),
    )
    op.create_table(
        "participant",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "INVITED",
                "ACCEPTED",
                "REJECTED",
                "EXPIRED",
                "MISSED",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("invited_by_participant_id", sa.Uuid(), nullable=True),
        sa.Column("invited_date", db.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_date", db.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_date", db.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_participant_id"],
            ["participant.id"],
            name=op.f("fk_participant_invited_by_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_participant_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_participant_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant")),
    )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participant_org_referral", ["organization_id", "referral_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            "uq_participant_open_per_organization",
            ["referral_id", "organization_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('INVITED', 'ACCEPTED')"),
            postgresql_where=sa.text("status IN ('INVITED', 'ACCEPTED')"),
        )

    op.create_table(
        "activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "CREATED",
                "UPDATED",
                "STATUS_CHANGED",
                "PARTICIPANT_INVITED",
                "INVITATION_ACCEPTED",
                "INVITATION_REJECTED",
                "INVITATION_EXPIRED",
                "INVITATION_MISSED",
                "NOTE_ADDED",
                name="type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("occurred_date", db.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_participant_id", sa.Uuid(), nullable=True),
        sa.Column("subject_participant_id", sa.Uuid(), nullable=True),
        sa.Column(
            "from_status",
            sa.Enum(
                "PENDING",
                "ACTIVE",
                "WON",
                "LOST",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "PENDING",
                "ACTIVE",
                "WON",
                "LOST",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_participant_id"],
            ["participant.id"],
            name=op.f("fk_activity_actor_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_activity_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subject_participant_id"],
            ["participant.id"],
            name=op.f("fk_activity_subject_participant_id_participant"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_actor", ["actor_participant_id", "occurred_date", "id"], unique=False
        )
        batch_op.create_index(
            "ix_activity_referral", ["referral_id", "occurred_date", "id"], unique=False
        )
        batch_op.create_index(
            "ix_activity_subject", ["subject_participant_id", "occurred_date", "id"], unique=False
        )

    op.create_table(
        "participant_user",
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_participant_user_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_participant_user_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("participant_id", "user_id", name=op.f("pk_participant_user")),
        sa.UniqueConstraint(
            "participant_id", "position", name=op.f("uq_participant_user_participant_id")
        ),
    )
    with op.batch_alter_table("participant_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participant_user_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("participant_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_user_user_id"))

    op.drop_table("participant_user")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_subject")
        batch_op.drop_index("ix_activity_referral")
        batch_op.drop_index("ix_activity_actor")

    op.drop_table("activity")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_participant_open_per_organization",
            sqlite_where=sa.text("status IN ('INVITED', 'ACCEPTED')"),
            postgresql_where=sa.text("status IN ('INVITED', 'ACCEPTED')"),
        )
        batch_op.drop_index(batch_op.f("ix_participant_referral_id"))
        batch_op.drop_index("ix_participant_org_referral")

    op.drop_table("participant")
    op.drop_table("customer_requirements")
    with op.batch_alter_table("customer_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_profile_country"))

    op.drop_table("customer_profile")
    op.drop_table("additional_information")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_updated")
        batch_op.drop_index(batch_op.f("ix_referral_owner_organization_id"))
        batch_op.drop_index("ix_referral_created")

    op.drop_table("referral")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_organization_id"))

    op.drop_table("app_user")
    op.drop_table("organization")
