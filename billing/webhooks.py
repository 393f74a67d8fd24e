"""The Stripe webhook endpoint.

Stripe signs each delivery; the real library checks the signature and the
timestamp (older than five minutes is refused; we also refuse one more than
five minutes ahead, which only a clock we cannot trust would sign), so a
forged, altered or replayed request is answered 400 before anything is read
from it. A body that is not a JSON object, or whose `data.object` is not an
object, is no Stripe event and is answered 400 too, signed or not. A verified
event goes to the inbox and is handled at once. Any 2xx tells Stripe to stop
retrying, so an error while handling answers 500 and Stripe delivers again.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import stripe_client
from billing.stripe_inbox import process_event, record_event

logger = logging.getLogger(__name__)


def _json_object(body: bytes) -> dict[str, Any] | None:
    # The library builds its Event from any JSON and fails on a top-level
    # array or string, so the shape is checked before it sees the body.
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _is_stripe_event(event: dict[str, Any]) -> bool:
    data = event.get("data")
    return (
        isinstance(event.get("id"), str)
        and bool(event["id"])
        and isinstance(event.get("type"), str)
        and bool(event["type"])
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    )


def _signed_in_the_future(signature: str | None) -> bool:
    """Stripe's library refuses old timestamps only; a future one is as suspect."""
    for item in (signature or "").split(","):
        key, _, value = item.partition("=")
        if key.strip() == "t":
            try:
                return int(value) > time.time() + stripe_client.WEBHOOK_TOLERANCE_SECONDS
            except ValueError:
                return True
    return False


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    signature = request.headers.get("Stripe-Signature")
    if _json_object(request.body) is None:
        return HttpResponse("Not a Stripe event.", status=400, content_type="text/plain")
    try:
        event = stripe_client.construct_event(request.body, signature)
    except stripe_client.PaymentsNotConfigured:
        logger.error("Stripe webhook received but STRIPE_WEBHOOK_SECRET is not set.")
        return HttpResponse("Webhooks are not configured.", status=503, content_type="text/plain")
    except stripe_client.InvalidWebhook as error:
        logger.warning("Rejected a Stripe webhook: %s", error)
        return HttpResponse("Invalid signature.", status=400, content_type="text/plain")
    if _signed_in_the_future(signature):
        logger.warning("Rejected a Stripe webhook signed in the future.")
        return HttpResponse("Invalid signature.", status=400, content_type="text/plain")
    if not _is_stripe_event(event):
        return HttpResponse("Not a Stripe event.", status=400, content_type="text/plain")

    stripe_event = record_event(event)
    if stripe_event.is_done:
        return HttpResponse("Already processed.", content_type="text/plain")
    try:
        stripe_event = process_event(stripe_event)
    except Exception:
        return HttpResponse(
            "Processing failed, retry later.", status=500, content_type="text/plain"
        )
    return HttpResponse(stripe_event.get_state_display(), content_type="text/plain")
