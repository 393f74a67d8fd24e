"""anymail's tracking signal: the provider's webhooks reach the outbox here.

A receiver is anymail's integration point; the logic lives in
services.record_tracking_event.
"""

from __future__ import annotations

from typing import Any

from anymail.signals import AnymailTrackingEvent

from deliveries.services import record_tracking_event


def handle_tracking_event(
    sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any
) -> None:
    record_tracking_event(event)
