"""The Core `Table` of each SQLModel table, for reads that want rows rather than ORM objects."""

from __future__ import annotations

from sqlalchemy import Table

from db import event_log_models, models, operation_models
from db.webhooks import models as webhook_models


def _table(model: type[object]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


organization = _table(models.Organization)
app_user = _table(models.User)
referral = _table(models.Referral)
customer_profile = _table(models.CustomerProfile)
customer_requirements = _table(models.CustomerRequirements)
additional_information = _table(models.AdditionalInformation)
participant = _table(models.Participant)
participant_user = _table(models.ParticipantUser)
activity = _table(models.Activity)
idempotency_key = _table(models.IdempotencyKey)
persisted_operation = _table(operation_models.PersistedOperation)
registered_operation = _table(operation_models.RegisteredOperation)
rate_limit_window = _table(operation_models.RateLimitWindow)
referral_event = _table(event_log_models.LoggedEvent)
referral_event_horizon = _table(event_log_models.EventLogHorizon)
webhook = _table(webhook_models.Webhook)
webhook_delivery = _table(webhook_models.WebhookDelivery)
webhook_fan_out = _table(webhook_models.WebhookFanOut)
