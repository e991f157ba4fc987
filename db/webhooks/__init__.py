"""Webhooks in the data layer: endpoints (`registry`), the fan-out of the event log into
deliveries (`fan_out`), the queue the delivery workers share (`queue`) and its log (`log`)."""
