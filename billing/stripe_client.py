"""The only module that talks to Stripe (and the only one importing `stripe`).

It hands the rest of the code plain dicts and our own exceptions, so nothing
else depends on the library's object model. Every create call carries an
idempotency key derived from our Purchase, so a retried request (ours or the
library's network retries) never opens a second Checkout Session.

`STRIPE_API_BASE` points the library at another host: the tests run a local
HTTP fake of the few calls we make there.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings
from django.utils.translation import gettext

if TYPE_CHECKING:
    from billing.models import Purchase

# Webhooks older than this are refused, so a captured request cannot be replayed later.
WEBHOOK_TOLERANCE_SECONDS = 300

# Stripe amounts are integers in the currency's smallest unit; these have none.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"}
    | {"PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)


class PaymentsError(Exception):
    """Stripe could not be reached or refused the request."""


class PaymentsNotConfigured(PaymentsError):
    pass


class InvalidWebhook(Exception):
    """The body is not a Stripe event signed with our webhook secret, or is too old."""


def payments_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def to_minor_units(amount: Decimal, currency: str) -> int:
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return int(amount)
    return int((amount * 100).to_integral_value())


def from_minor_units(amount: int, currency: str) -> Decimal:
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return Decimal(amount)
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        # Safe to retry: every create call carries an idempotency key.
        max_network_retries=2,
    )


def client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise PaymentsNotConfigured("STRIPE_SECRET_KEY is not set.")
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def checkout_session_params(
    purchase: Purchase, *, success_url: str, cancel_url: str, customer_email: str
) -> dict[str, Any]:
    """A purchase's Checkout Session, priced from our snapshot, never from Stripe's catalog."""
    name = f"{purchase.credits} {purchase.get_kind_display().lower()}"
    metadata = {"purchase_id": purchase.public_id, "organization": purchase.organization.slug}
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": purchase.currency.lower(),
                    "unit_amount": to_minor_units(purchase.total_price, purchase.currency),
                    "product_data": {
                        "name": name,
                        "description": gettext(
                            "Credit bundle for %(organization)s. Credits never expire."
                        )
                        % {"organization": purchase.organization.name},
                    },
                },
            }
        ],
        "client_reference_id": purchase.public_id,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata, "description": name},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if customer_email:
        params["customer_email"] = customer_email
    return params


def create_checkout_session(
    purchase: Purchase, *, success_url: str, cancel_url: str, customer_email: str
) -> dict[str, Any]:
    params = checkout_session_params(
        purchase, success_url=success_url, cancel_url=cancel_url, customer_email=customer_email
    )
    try:
        session = client().v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]  # stripe's TypedDict params do not accept a plain dict
            options={"idempotency_key": f"checkout-session:{purchase.public_id}"},
        )
    except stripe.StripeError as error:
        raise PaymentsError(error.user_message or str(error)) from error
    return session.to_dict()


def retrieve_checkout_session(session_id: str) -> dict[str, Any]:
    try:
        session = client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as error:
        raise PaymentsError(error.user_message or str(error)) from error
    return session.to_dict()


def construct_event(payload: bytes, sig_header: str | None) -> dict[str, Any]:
    """Verify the Stripe-Signature header with the real library and return the event."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise PaymentsNotConfigured("STRIPE_WEBHOOK_SECRET is not set.")
    try:
        event = stripe.Webhook.construct_event(
            payload,
            sig_header,
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=WEBHOOK_TOLERANCE_SECONDS,
            api_key=settings.STRIPE_SECRET_KEY or None,
        )
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as error:
        raise InvalidWebhook(str(error)) from error
    return event.to_dict()
