"""The email provider's tracking events (anymail's webhooks) applied to the outbox."""

from __future__ import annotations

import logging
from typing import Any

from anymail.signals import AnymailTrackingEvent, EventType
from django.utils import timezone

from artsvp.locks import lock_row, locking_transaction
from artsvp.models_meta import max_length_of
from deliveries.models import Delivery

logger = logging.getLogger(__name__)

Status = Delivery.Status
_MESSAGE_ID_LENGTH = max_length_of(Delivery, "provider_message_id")

_TRACKED_PROBLEMS = {
    EventType.BOUNCED: Status.BOUNCED,
    EventType.COMPLAINED: Status.COMPLAINED,
    EventType.REJECTED: Status.FAILED,
    EventType.FAILED: Status.FAILED,
}


def record_tracking_event(event: AnymailTrackingEvent) -> Delivery | None:
    """Apply a provider's delivered/bounced/complained/opened event to its delivery.

    Events arrive late, twice and out of order: a status never moves back
    (a delivered email can still bounce or be marked as spam; a bounced one
    does not become delivered again).
    """
    message_id = str(event.message_id or "")
    # An authenticated provider still sends what its parser found: an id that
    # no stored one can equal (too long, a NUL that PostgreSQL refuses) is unknown.
    if not message_id or len(message_id) > _MESSAGE_ID_LENGTH or "\x00" in message_id:
        return None
    when = event.timestamp or timezone.now()
    with locking_transaction():
        delivery = lock_row(Delivery.objects.filter(provider_message_id=message_id).order_by("-pk"))
        if delivery is None:
            logger.info("Tracking event %s for an unknown message.", event.event_type)
            return None
        changes: dict[str, Any] = {}
        kind = event.event_type
        if kind in (EventType.OPENED, EventType.CLICKED):
            if delivery.opened_at is None:
                changes["opened_at"] = when
            if delivery.status == Status.SENT:
                changes["status"] = Status.DELIVERED
        elif kind == EventType.DELIVERED:
            if delivery.status == Status.SENT:
                changes["status"] = Status.DELIVERED
        elif kind in _TRACKED_PROBLEMS and delivery.status != Status.COMPLAINED:
            changes["status"] = _TRACKED_PROBLEMS[kind]
            reason = event.description or event.mta_response or event.reject_reason or kind
            changes["last_error"] = str(reason).replace("\x00", "")[:2000]
        if changes:
            changes["updated_at"] = timezone.now()
            Delivery.objects.filter(pk=delivery.pk).update(**changes)
            for name, value in changes.items():
                setattr(delivery, name, value)
    return delivery
