"""The demo's partner organizations, with fixed ids, and how much demo data to make."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

_MAX_ACTIVITIES = 1000  # per referral: activity ids count a referral's entries in 12 bits


@dataclass(frozen=True)
class DemoOrganization:
    """A partner organization of the demo, with one user whose id never changes."""

    id: uuid.UUID
    name: str
    demo_user_id: uuid.UUID
    demo_user_name: str
    demo_user_email: str


# Fixed ids, so tokens minted for the demo users keep working across reloads and machines.
# The first two are the organizations `make run` prints bearer tokens for.
DEMO_ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    DemoOrganization(
        id=uuid.UUID("cc2f073e-ae31-46e4-8601-62adc795f503"),
        name="Contoso Consulting",
        demo_user_id=uuid.UUID("9c2d35a8-3544-417c-9935-57d1619be207"),
        demo_user_name="Avery Brooks",
        demo_user_email="avery.brooks@contoso-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("38b0171e-67a6-426a-b586-c82754e7ac91"),
        name="Fabrikam Cloud Partners",
        demo_user_id=uuid.UUID("493e9b49-821b-4e10-b60b-8737ff2d9c87"),
        demo_user_name="Jonas Müller",
        demo_user_email="jonas.mueller@fabrikam-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("25ffe7e0-282f-4c09-8124-7e266d19b77e"),
        name="Northwind Systems Integration",
        demo_user_id=uuid.UUID("6b0992cf-0f1b-4912-a119-0fd09afa4f83"),
        demo_user_name="Priya Raman",
        demo_user_email="priya.raman@northwind-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("cd0ff4f5-bb40-434d-b5cf-7709be6f297e"),
        name="Adatum Digital",
        demo_user_id=uuid.UUID("88d0b42b-0eff-4526-b11b-0db4e4cabe81"),
        demo_user_name="Kenji Watanabe",
        demo_user_email="kenji.watanabe@adatum-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("e425a113-0784-488d-8be9-abe639c45855"),
        name="Tailspin IT Services",
        demo_user_id=uuid.UUID("48706429-3654-4cbe-b9e0-5cfa1146e298"),
        demo_user_name="Camille Dubois",
        demo_user_email="camille.dubois@tailspin-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("3783c114-bd5f-4b4a-a70d-014eedc9f18b"),
        name="Woodgrove Advisory",
        demo_user_id=uuid.UUID("98d2ee88-440d-4f18-9fa6-9753fe12bc1e"),
        demo_user_name="Lucas Oliveira",
        demo_user_email="lucas.oliveira@woodgrove-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("60cd32e6-4aff-439c-b408-a4888630b5d1"),
        name="Litware Solutions",
        demo_user_id=uuid.UUID("d35c27cb-fb8a-4264-adce-7689542f152b"),
        demo_user_name="Zoë de Vries",
        demo_user_email="zoe.devries@litware-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("821d7cd5-3330-4470-84ba-73d8be945f06"),
        name="Proseware Managed Services",
        demo_user_id=uuid.UUID("68f5d5de-50ca-428e-9b9b-cb7ca877b8e0"),
        demo_user_name="Olivia Chen",
        demo_user_email="olivia.chen@proseware-example.com",
    ),
)


@dataclass(frozen=True)
class DemoSize:
    """How much demo data to make."""

    referrals: int = 300
    # Organizations taking part, the owner included. An organization invited again after its
    # invitation lapsed has a second participant row (the first one EXPIRED).
    participants_per_referral: int = 3
    users_per_participant: int = 2
    activities_per_referral: int = 5  # at least this many history entries (CREATED first)

    def __post_init__(self) -> None:
        if self.referrals < 0:
            raise ValueError("referrals must not be negative")
        if not 1 <= self.participants_per_referral <= len(DEMO_ORGANIZATIONS):
            raise ValueError(
                f"participants_per_referral must be between 1 and {len(DEMO_ORGANIZATIONS)}"
                " (organizations taking part, the owner included)"
            )
        if self.users_per_participant < 1:
            raise ValueError("users_per_participant must be at least 1")
        if not 1 <= self.activities_per_referral <= _MAX_ACTIVITIES:
            raise ValueError(
                f"activities_per_referral must be between 1 (CREATED) and {_MAX_ACTIVITIES}"
            )
