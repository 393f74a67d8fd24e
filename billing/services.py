"""Buying bundles: open a Checkout Session, fulfil it once, take back refunds.

Fulfilment can be triggered by several webhook deliveries and by the buyer's
return to the success page, in any order and at the same time. Each path
reads the Purchase unlocked (kind, organization and credits are an immutable
snapshot), locks the credit account, then locks the purchase and re-checks
it (in the lock order of artsvp/locks.py), so exactly one of them
grants and the others see it already paid.

Stripe is the source of truth for what was paid, our snapshot for what is
granted: credits are granted only when Stripe's amount and currency match
the snapshot. A purchase is found by our own public id together with the
Checkout Session id we stored, never by anything the buyer can choose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from artsvp.locks import lock_existing_row, locking_transaction
from billing import stripe_client
from billing.emails import PURCHASE_ATTENTION, PURCHASE_RECEIPT
from billing.models import Bundle, Purchase
from billing.stripe_client import from_minor_units, to_minor_units
from credits import ledger
from credits.models import CreditEntry
from deliveries.services import InvalidRecipient, queue_email
from organizations.models import Organization
from organizations.preferences import language_of_email

logger = logging.getLogger(__name__)


class CheckoutUnavailable(Exception):
    """A checkout could not be opened; the message is meant for the buyer."""


def _stripe_id(value: Any) -> str | None:
    """An id from a field Stripe sends either as a string or as an expanded object."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return str(value) if value else None


# --- Opening a checkout -----------------------------------------------------------


def start_checkout(
    bundle: Bundle,
    *,
    organization: Organization,
    buyer: Any,
    success_url: str,
    cancel_url: str,
) -> tuple[Purchase, str]:
    """Snapshot the bundle into a Purchase and open its Checkout Session.

    Returns the purchase and the Stripe-hosted URL to send the buyer to.
    """
    if not stripe_client.payments_configured():
        raise CheckoutUnavailable(
            gettext(
                "Online payment is not set up on this server yet, so bundles cannot be bought. "
                "Please contact the site operator."
            )
        )
    purchase = Purchase.objects.create(
        organization=organization,
        buyer=buyer,
        bundle=bundle,
        kind=bundle.kind,
        credits=bundle.credits,
        unit_price=(bundle.price / bundle.credits).quantize(Decimal("0.0001")),
        total_price=bundle.price,
        currency=bundle.currency.upper(),
    )
    # Stripe is called outside any transaction: a slow API must not hold row locks,
    # and the purchase row must exist before Stripe can send events about it.
    try:
        session = stripe_client.create_checkout_session(
            purchase, success_url=success_url, cancel_url=cancel_url, customer_email=buyer.email
        )
    except stripe_client.PaymentsError as error:
        logger.warning("Checkout for purchase %s failed: %s", purchase.public_id, error)
        Purchase.objects.filter(pk=purchase.pk, status=Purchase.Status.PENDING).update(
            status=Purchase.Status.FAILED, updated_at=timezone.now()
        )
        raise CheckoutUnavailable(
            gettext(
                "We could not reach our payment provider, so nothing was charged. "
                "Please try again in a few minutes."
            )
        ) from error
    purchase.stripe_checkout_session_id = session["id"]
    purchase.save(update_fields=["stripe_checkout_session_id", "updated_at"])
    return purchase, session["url"]


# --- Finding purchases from Stripe objects --------------------------------------


def purchase_for_session(session: Mapping[str, Any]) -> Purchase | None:
    """Our purchase for a Checkout Session: both our id and the session id must match."""
    session_id = session.get("id")
    reference = session.get("client_reference_id")
    if not session_id or not reference:
        return None
    return (
        Purchase.objects.select_related("organization")
        .filter(public_id=reference, stripe_checkout_session_id=session_id)
        .first()
    )


def purchase_for_payment_intent(payment_intent: Any) -> Purchase | None:
    payment_intent_id = _stripe_id(payment_intent)
    if not payment_intent_id:
        return None
    return (
        Purchase.objects.select_related("organization")
        .filter(stripe_payment_intent_id=payment_intent_id)
        .first()
    )


def _lock_purchase(purchase: Purchase) -> Purchase:
    locked = lock_existing_row(Purchase.objects.filter(pk=purchase.pk))
    locked.organization = purchase.organization
    return locked


def _flag(purchase: Purchase, note: str) -> bool:
    """Mark the purchase for staff; False when this very note was already raised."""
    if purchase.needs_attention and note in purchase.attention_note:
        return False
    purchase.needs_attention = True
    purchase.attention_note = " ".join(filter(None, [purchase.attention_note, note]))[-500:]
    for _name, address in settings.ADMINS:
        # Staff mail, not the organization's: no organization on the row.
        _queue_purchase_email(
            PURCHASE_ATTENTION, purchase, to=address, organization=None, note=note
        )
    return True


def _queue_purchase_email(
    template: str,
    purchase: Purchase,
    *,
    to: str,
    organization: Organization | None,
    **context: Any,
) -> None:
    """Queue an email about `purchase` in the caller's transaction."""
    try:
        queue_email(
            template,
            to=to,
            context={"purchase_id": purchase.pk, **context},
            organization=organization,
            language=language_of_email(to),
        )
    except InvalidRecipient:
        # The payment is recorded whatever happens to its email: an unusable
        # address must not roll the fulfilment or the refund back.
        logger.error("Purchase %s: no %s email to %r", purchase.public_id, template, to)


# --- Fulfilment -------------------------------------------------------------------

# Run after commit with the payment intent of each purchase just fulfilled. The
# Stripe inbox (billing/stripe_inbox.py, which calls this module) registers its
# replay of the refunds and disputes that waited for the purchase.
FulfilledHook = Callable[[str], None]
_fulfilled_hooks: list[FulfilledHook] = []


def on_fulfilled(hook: FulfilledHook) -> FulfilledHook:
    if hook not in _fulfilled_hooks:
        _fulfilled_hooks.append(hook)
    return hook


def fulfil_checkout(session: Mapping[str, Any], *, via: str) -> Purchase | None:
    """Fulfil the purchase of a Checkout Session if Stripe says it is paid.

    Returns the purchase (paid or not), or None when the session is not ours.
    """
    purchase = purchase_for_session(session)
    if purchase is None:
        return None
    if session.get("payment_status") != "paid":
        # Delayed methods (SEPA debit, bank transfer) complete the session
        # unpaid; async_payment_succeeded follows when the money clears.
        return purchase
    return fulfil_purchase(
        purchase,
        amount_total=session.get("amount_total"),
        currency=session.get("currency") or "",
        payment_intent_id=_stripe_id(session.get("payment_intent")),
        via=via,
    )


def fulfil_purchase(
    purchase: Purchase,
    *,
    amount_total: int | None,
    currency: str,
    payment_intent_id: str | None,
    via: str = "",
) -> Purchase:
    """Grant the purchase's credits once and mark it paid, in one transaction."""
    if purchase.is_fulfilled:
        return purchase
    with locking_transaction():
        # Webhook deliveries and the success page fulfil the same purchase at
        # the same moment: the account lock, taken first, queues them.
        ledger.lock_account(purchase.organization, purchase.kind)
        # Re-read under lock: the one ahead of us in the queue may have granted already.
        locked = _lock_purchase(purchase)
        if locked.is_fulfilled:
            return locked
        if payment_intent_id and not locked.stripe_payment_intent_id:
            locked.stripe_payment_intent_id = payment_intent_id
        expected = to_minor_units(locked.total_price, locked.currency)
        if amount_total != expected or currency.upper() != locked.currency:
            paid = (
                f"{from_minor_units(amount_total, currency or locked.currency)} "
                f"{currency.upper() or '?'}"
                if amount_total is not None
                else "an unknown amount"
            )
            _flag(
                locked,
                f"Stripe reports {paid} paid, but the bundle costs "
                f"{locked.total_price} {locked.currency}: no credits were granted.",
            )
            locked.save()
            logger.error("Amount mismatch on purchase %s (%s)", locked.public_id, via)
            return locked
        ledger.grant(
            locked.organization,
            locked.kind,
            locked.credits,
            reason=CreditEntry.Reason.PURCHASE,
            idempotency_key=f"purchase:{locked.pk}",
            actor=locked.buyer,
            memo=f"{locked.credits} credits for {locked.total_price} {locked.currency}",
            purchase=locked,
        )
        locked.status = Purchase.Status.PAID
        locked.paid_at = timezone.now()
        locked.credits_granted = locked.credits
        locked.save()
        if locked.buyer is not None and locked.buyer.email:
            _queue_purchase_email(
                PURCHASE_RECEIPT, locked, to=locked.buyer.email, organization=locked.organization
            )
        if locked.stripe_payment_intent_id:
            # A refund Stripe announced before this fulfilment waited in the inbox.
            intent = locked.stripe_payment_intent_id
            for hook in _fulfilled_hooks:
                transaction.on_commit(partial(hook, intent))
    logger.info("Purchase %s fulfilled via %s", locked.public_id, via)
    return locked


def fail_checkout(session: Mapping[str, Any]) -> Purchase | None:
    return _close_pending(session, Purchase.Status.FAILED)


def expire_checkout(session: Mapping[str, Any]) -> Purchase | None:
    return _close_pending(session, Purchase.Status.EXPIRED)


def _close_pending(session: Mapping[str, Any], status: str) -> Purchase | None:
    purchase = purchase_for_session(session)
    if purchase is None:
        return None
    with locking_transaction():
        # Re-check under the lock: a late "failed" or "expired" must never undo
        # a payment that a concurrent delivery has just fulfilled.
        locked = _lock_purchase(purchase)
        if locked.status == Purchase.Status.PENDING and not locked.is_fulfilled:
            locked.status = status
            locked.save(update_fields=["status", "updated_at"])
    return locked


# --- Refunds and disputes ------------------------------------------------------------


def record_refund(charge: Mapping[str, Any]) -> Purchase | None:
    """Take back the refunded share of credits; `amount_refunded` is cumulative.

    Returns None when no purchase of ours has this charge's payment intent
    (yet: the caller keeps the event to replay after fulfilment).
    """
    purchase = purchase_for_payment_intent(charge.get("payment_intent"))
    if purchase is None:
        return None
    refunded = int(charge.get("amount_refunded") or 0)

    def update(locked: Purchase) -> None:
        # Deliveries arrive out of order: an older, smaller total never lowers the record.
        amount = from_minor_units(refunded, locked.currency)
        locked.amount_refunded = max(locked.amount_refunded, amount)
        if locked.is_fulfilled:
            total = to_minor_units(locked.total_price, locked.currency)
            fully = to_minor_units(locked.amount_refunded, locked.currency) >= total
            locked.status = (
                Purchase.Status.REFUNDED if fully else Purchase.Status.PARTIALLY_REFUNDED
            )

    return _take_back_share(
        purchase,
        reason=CreditEntry.Reason.REFUND,
        idempotency_key=f"refund:{purchase.pk}:{refunded}",
        update=update,
    )


def record_dispute(dispute: Mapping[str, Any]) -> Purchase | None:
    """A dispute withdraws the disputed amount at once: take its share back and tell staff."""
    purchase = purchase_for_payment_intent(dispute.get("payment_intent"))
    if purchase is None:
        return None
    disputed = int(dispute.get("amount") or 0)
    dispute_id = dispute.get("id") or "unknown"

    def update(locked: Purchase) -> None:
        amount = from_minor_units(disputed, locked.currency)
        locked.amount_disputed = max(locked.amount_disputed, amount)
        _flag(
            locked,
            f"Dispute {dispute_id} opened for {amount} {locked.currency} "
            f"({dispute.get('reason') or 'no reason given'}): respond in the Stripe dashboard.",
        )

    return _take_back_share(
        purchase,
        reason=CreditEntry.Reason.DISPUTE,
        idempotency_key=f"dispute:{purchase.pk}:{dispute_id}",
        update=update,
    )


def _take_back_share(
    purchase: Purchase,
    *,
    reason: str,
    idempotency_key: str,
    update: Callable[[Purchase], None],
) -> Purchase:
    with locking_transaction():
        # Same order as fulfilment, so a refund racing the grant waits for it.
        ledger.lock_account(purchase.organization, purchase.kind)
        # Re-read under lock: a concurrent delivery of this refund may have taken back already.
        locked = _lock_purchase(purchase)
        update(locked)
        if locked.is_fulfilled:
            owed = _credits_to_reverse(locked) - locked.credits_reversed - locked.credits_shortfall
            if owed > 0:
                _entry, shortfall = ledger.take_back(
                    locked.organization,
                    locked.kind,
                    owed,
                    reason=reason,
                    idempotency_key=idempotency_key,
                    memo=f"Purchase {locked.public_id}",
                    purchase=locked,
                )
                locked.credits_reversed += owed - shortfall
                locked.credits_shortfall += shortfall
                if shortfall:
                    _flag(
                        locked,
                        f"{shortfall} of {owed} refunded credits had already been used "
                        "and could not be taken back.",
                    )
        locked.save()
    return locked


def _credits_to_reverse(purchase: Purchase) -> int:
    """Credits matching the money returned so far (rounded down, in the buyer's favour)."""
    total = to_minor_units(purchase.total_price, purchase.currency)
    returned_amount = purchase.amount_refunded + purchase.amount_disputed
    returned = to_minor_units(returned_amount, purchase.currency)
    return purchase.credits_granted * min(returned, total) // total
