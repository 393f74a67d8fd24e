"""The purchase emails the outbox sends: the buyer's receipt and the staff
alert about a purchase that needs a person (a refund whose credits were
already used, a paid amount that does not match, a dispute).

Their deliveries store the purchase's id; the purchase is loaded when the
worker sends, so the staff alert shows its state at that moment.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from artsvp.links import absolute_url
from billing.models import CreditRequest, Purchase
from deliveries.models import Delivery
from deliveries.rendering import SkipDelivery, email_context

PURCHASE_RECEIPT = "purchase-receipt"
PURCHASE_ATTENTION = "purchase-attention"


def _purchase(delivery: Delivery) -> Purchase:
    purchase = (
        Purchase.objects.select_related("organization")
        .filter(pk=delivery.context.get("purchase_id"))
        .first()
    )
    if purchase is None:
        raise SkipDelivery("The purchase was deleted before the email was sent.")
    return purchase


@email_context(PURCHASE_RECEIPT)
def purchase_receipt_context(delivery: Delivery) -> dict[str, Any]:
    purchase = _purchase(delivery)
    path = reverse("billing:purchase", args=[purchase.organization.slug, purchase.public_id])
    return {
        "purchase": purchase,
        "organization": purchase.organization,
        "purchase_url": absolute_url(path),
    }


@email_context(PURCHASE_ATTENTION)
def purchase_attention_context(delivery: Delivery) -> dict[str, Any]:
    purchase = _purchase(delivery)
    admin_path = reverse("admin:billing_purchase_change", args=[purchase.pk])
    return {
        "purchase": purchase,
        "organization": purchase.organization,
        "note": delivery.context.get("note", ""),
        "admin_url": absolute_url(admin_path),
        # To the operators: from the platform, not from the organization it is about.
        "from_name": settings.SITE_NAME,
    }


def _credit_request(delivery: Delivery) -> CreditRequest:
    credit_request = (
        CreditRequest.objects.select_related("organization", "requested_by")
        .filter(pk=delivery.context.get("credit_request_id"))
        .first()
    )
    if credit_request is None:
        raise SkipDelivery("The credit request was deleted before the email was sent.")
    return credit_request


@email_context("credit-request")
def credit_request_context(delivery: Delivery) -> dict[str, Any]:
    credit_request = _credit_request(delivery)
    admin_path = reverse("admin:billing_creditrequest_change", args=[credit_request.pk])
    return {
        "credit_request": credit_request,
        "organization": credit_request.organization,
        "admin_url": absolute_url(admin_path),
        # To the operators: from the platform, not from the organization asking.
        "from_name": settings.SITE_NAME,
    }


@email_context("credit-request-granted")
@email_context("credit-request-declined")
def credit_request_decision_context(delivery: Delivery) -> dict[str, Any]:
    credit_request = _credit_request(delivery)
    path = reverse("billing:billing", args=[credit_request.organization.slug])
    return {
        "credit_request": credit_request,
        "organization": credit_request.organization,
        "billing_url": absolute_url(path),
    }
