"""Which loader answers each field that loads in bulk: the types resolve through this table
and prefetch reads it, so a field and its prefetch cannot drift apart."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from api.graph.loaders import Loaders, SharedLoader

LoaderOf = Callable[[Loaders], SharedLoader[uuid.UUID, Any]]

# Fields of `Referral`, by Python name, keyed by the referral's primary key.
REFERRAL_FIELDS: dict[str, LoaderOf] = {
    "customer_profile": lambda loaders: loaders.customer_profile_by_referral,
    "customer_requirements": lambda loaders: loaders.requirements_by_referral,
    "additional_information": lambda loaders: loaders.additional_information_by_referral,
    "participants": lambda loaders: loaders.participants_by_referral,
    "owner": lambda loaders: loaders.participants_by_referral,
    "viewer_participant": lambda loaders: loaders.participants_by_referral,
    "viewer_can": lambda loaders: loaders.participants_by_referral,
    "substatus": lambda loaders: loaders.participants_by_referral,
}
# Fields of `Participant`, by Python name, keyed by the participant's primary key.
PARTICIPANT_FIELDS: dict[str, LoaderOf] = {
    "users": lambda loaders: loaders.users_by_participant,
    "organization": lambda loaders: loaders.organization_by_participant,
}
