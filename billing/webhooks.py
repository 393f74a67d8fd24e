"""The Stripe webhook endpoint.

Stripe signs each delivery; the real library checks the signature and the
timestamp (older than five minutes is refused), so a forged, altered or
replayed request is answered 400 before anything is read from it. A verified
event goes to the inbox and is handled at once. Any 2xx tells Stripe to stop
retrying, so an error while handling answers 500 and Stripe delivers again.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import stripe_client
from billing.events import process_event, record_event

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        event = stripe_client.construct_event(request.body, request.headers.get("Stripe-Signature"))
    except stripe_client.PaymentsNotConfigured:
        logger.error("Stripe webhook received but STRIPE_WEBHOOK_SECRET is not set.")
        return HttpResponse("Webhooks are not configured.", status=503, content_type="text/plain")
    except stripe_client.InvalidWebhook as error:
        logger.warning("Rejected a Stripe webhook: %s", error)
        return HttpResponse("Invalid signature.", status=400, content_type="text/plain")
    if not event.get("id") or not event.get("type"):
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
