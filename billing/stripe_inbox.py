"""The Stripe webhook inbox: record each event once, then dispatch it.

Stripe delivers at least once, in any order, for days. Every event is stored
by its Stripe id before it is handled, so a delivery of an event already
processed is answered without touching anything. Handlers are idempotent on
their own (they lock and re-check the purchase), so deliveries racing before
either has marked the event processed still change things once.

A refund or dispute can name a payment intent we do not know yet (its
fulfilment has not been processed): the event is kept as deferred and
replayed right after that purchase is fulfilled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone

from billing import services
from billing.models import Purchase, StripeEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    state: str
    purchase: Purchase | None = None
    note: str = ""


def _session_outcome(purchase: Purchase | None) -> Outcome:
    if purchase is None:
        return Outcome(StripeEvent.State.IGNORED, note="No purchase of ours has this session.")
    return Outcome(StripeEvent.State.PROCESSED, purchase)


def _charge_outcome(purchase: Purchase | None) -> Outcome:
    if purchase is None:
        return Outcome(
            StripeEvent.State.DEFERRED,
            note="No fulfilled purchase has this payment intent yet; replayed after fulfilment.",
        )
    return Outcome(StripeEvent.State.PROCESSED, purchase)


HANDLERS: dict[str, Callable[[Mapping[str, Any]], Outcome]] = {
    "checkout.session.completed": lambda session: _session_outcome(
        services.fulfil_checkout(session, via="checkout.session.completed")
    ),
    "checkout.session.async_payment_succeeded": lambda session: _session_outcome(
        services.fulfil_checkout(session, via="checkout.session.async_payment_succeeded")
    ),
    "checkout.session.async_payment_failed": lambda session: _session_outcome(
        services.fail_checkout(session)
    ),
    "checkout.session.expired": lambda session: _session_outcome(services.expire_checkout(session)),
    "charge.refunded": lambda charge: _charge_outcome(services.record_refund(charge)),
    "charge.dispute.created": lambda dispute: _charge_outcome(services.record_dispute(dispute)),
}


DEFERRABLE_TYPES = ("charge.refunded", "charge.dispute.created")


def record_event(event: Mapping[str, Any]) -> StripeEvent:
    """Store a verified event in the inbox, or return the row a previous delivery stored."""
    fields = {
        "type": str(event.get("type") or ""),
        "livemode": bool(event.get("livemode")),
        "payload": dict(event),
    }
    # get_or_create falls back to a read when a concurrent delivery inserts first.
    stripe_event, _created = StripeEvent.objects.get_or_create(
        stripe_id=str(event["id"]), defaults=fields
    )
    return stripe_event


def process_event(stripe_event: StripeEvent) -> StripeEvent:
    """Run the event's handler and record how it went; a handler error propagates."""
    handler = HANDLERS.get(stripe_event.type)
    rows = StripeEvent.objects.filter(pk=stripe_event.pk)
    if handler is None:
        rows.update(state=StripeEvent.State.IGNORED, processed_at=timezone.now())
        stripe_event.refresh_from_db()
        return stripe_event
    rows.update(attempts=F("attempts") + 1)
    try:
        outcome = handler(stripe_event.data_object)
    except Exception as error:
        logger.exception("Stripe event %s failed", stripe_event.stripe_id)
        rows.update(state=StripeEvent.State.FAILED, error=f"{type(error).__name__}: {error}")
        raise
    if outcome.state == StripeEvent.State.DEFERRED:
        # A replay after fulfilment may have processed it meanwhile: keep that result.
        rows.exclude(state=StripeEvent.State.PROCESSED).update(
            state=outcome.state, error=outcome.note
        )
    else:
        rows.update(
            state=outcome.state,
            error=outcome.note,
            purchase=outcome.purchase,
            processed_at=timezone.now(),
        )
    stripe_event.refresh_from_db()
    return stripe_event


@services.on_fulfilled
def _replay_after_fulfilment(payment_intent_id: str) -> None:
    replay_deferred_events(payment_intent_id=payment_intent_id)


def replay_deferred_events(*, payment_intent_id: str) -> None:
    """Process the refunds and disputes that arrived before their purchase was fulfilled."""
    # Received too: a refund being handled right now may have looked for the
    # purchase just before it was fulfilled, and would otherwise be missed.
    deferred = StripeEvent.objects.filter(
        type__in=DEFERRABLE_TYPES,
        state__in=[StripeEvent.State.DEFERRED, StripeEvent.State.RECEIVED],
        payload__data__object__payment_intent=payment_intent_id,
    ).order_by("received_at", "pk")
    for stripe_event in deferred:
        try:
            process_event(stripe_event)
        except Exception:  # noqa: S112
            # Stays failed in the inbox; Stripe's next delivery or an operator retries it.
            continue
