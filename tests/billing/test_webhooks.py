"""Stripe webhooks: verified, recorded once, credits granted exactly once."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from billing import services
from billing.models import Purchase, StripeEvent
from credits import ledger
from credits.models import CreditEntry, CreditKind
from deliveries.models import Delivery
from tests.billing.kit import (
    WEBHOOK_URL,
    FakeStripe,
    bought,
    charge_event,
    deliver,
    payload,
    purchase_entries,
    session_event,
    sign,
    use_credits,
)
from tests.deliveries.outbox import RolledBack, deliveries_of, fail_after_queueing

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run after-commit work (receipts, staff mail, deferred events) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def paid(purchase: Purchase, **changes: Any) -> dict[str, Any]:
    return session_event("checkout.session.completed", purchase, **changes)


def refresh(purchase: Purchase) -> Purchase:
    purchase.refresh_from_db()
    return purchase


def receipts() -> list[Any]:
    return [m for m in mail.outbox if m.subject.startswith("Receipt")]


def staff_mail() -> list[Any]:
    return [m for m in mail.outbox if m.to == ["staff@artsvp.example"]]


def post_signed(body: str, *, signature: str | None) -> Any:
    headers: dict[str, Any] = {"HTTP_STRIPE_SIGNATURE": signature} if signature else {}
    return Client().post(WEBHOOK_URL, data=body, content_type="application/json", **headers)


# --- Signature ---------------------------------------------------------------------


def test_the_same_completed_event_five_times_grants_once(
    purchase: Purchase, org: Any, on_commit: Any
) -> None:
    body = json.dumps(paid(purchase))

    for _ in range(5):
        with on_commit():
            response = deliver(body)
        assert response.status_code == 200

    purchase = refresh(purchase)
    assert purchase.status == Purchase.Status.PAID
    assert purchase.credits_granted == 120
    assert purchase.paid_at is not None
    assert purchase.stripe_payment_intent_id == "pi_3QpaidIntent0000000001"
    assert ledger.balances(org).invite == 120
    assert [e.amount for e in purchase_entries(purchase)] == [120]
    event = StripeEvent.objects.get()
    assert (event.state, event.attempts, event.purchase) == ("processed", 1, purchase)
    assert len(receipts()) == 1


def test_the_webhook_and_the_success_page_together_grant_once(
    stripe_fake: FakeStripe, purchase: Purchase, org: Any, alice_client: Any, on_commit: Any
) -> None:
    session = stripe_fake.complete(purchase.stripe_checkout_session_id)
    success = reverse("billing:success", args=[org.slug])

    with on_commit():
        assert alice_client.get(success, {"session_id": session["id"]}).status_code == 200
    with on_commit():
        response = deliver(paid(purchase, payment_intent=session["payment_intent"]))

    assert response.status_code == 200
    assert ledger.balances(org).invite == 120
    assert len(purchase_entries(purchase)) == 1
    assert len(receipts()) == 1


def test_a_forged_signature_is_rejected_and_changes_nothing(purchase: Purchase, org: Any):
    response = deliver(paid(purchase), secret="whsec_someone_else")

    assert response.status_code == 400
    assert refresh(purchase).status == Purchase.Status.PENDING
    assert ledger.balances(org).invite == 0
    assert not StripeEvent.objects.exists()


def test_an_altered_body_is_rejected_and_changes_nothing(purchase: Purchase, org: Any) -> None:
    genuine = json.dumps(paid(purchase, amount_total=1))
    tampered = genuine.replace('"amount_total": 1,', '"amount_total": 3600,')
    assert tampered != genuine

    response = post_signed(tampered, signature=sign(genuine))

    assert response.status_code == 400
    assert ledger.balances(org).invite == 0
    assert not StripeEvent.objects.exists()


def test_a_stale_delivery_is_rejected_and_changes_nothing(purchase: Purchase, org: Any) -> None:
    response = deliver(paid(purchase), timestamp=int(time.time()) - 301)

    assert response.status_code == 400
    assert ledger.balances(org).invite == 0
    assert not StripeEvent.objects.exists()


def test_a_delivery_signed_in_the_future_is_rejected_and_changes_nothing(
    purchase: Purchase, org: Any
) -> None:
    # A minute past the tolerance: a slow test run must not bring it back inside.
    response = deliver(paid(purchase), timestamp=int(time.time()) + 360)

    assert response.status_code == 400
    assert refresh(purchase).status == Purchase.Status.PENDING
    assert ledger.balances(org).invite == 0
    assert not StripeEvent.objects.exists()


def test_a_delivery_within_the_tolerance_either_way_is_accepted(
    purchase: Purchase, org: Any
) -> None:
    assert deliver(paid(purchase), timestamp=int(time.time()) + 240).status_code == 200
    assert ledger.balances(org).invite == 120


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '[{"id": "evt_1", "type": "checkout.session.completed"}]',
        '"checkout.session.completed"',
        "42",
        "null",
    ],
)
def test_a_signed_body_that_is_not_a_json_object_is_rejected(
    purchase: Purchase, org: Any, body: str
) -> None:
    response = post_signed(body, signature=sign(body))

    assert response.status_code == 400
    assert ledger.balances(org).invite == 0
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize(
    "data", [{"object": [1, 2]}, {"object": "cs_1"}, {"object": None}, "x", []]
)
def test_a_signed_event_whose_data_object_is_not_an_object_is_rejected(
    purchase: Purchase, org: Any, data: Any
) -> None:
    event = paid(purchase)
    event["data"] = data

    response = deliver(event)

    assert response.status_code == 400
    assert refresh(purchase).status == Purchase.Status.PENDING
    assert ledger.balances(org).invite == 0
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize("field, value", [("id", 12), ("id", ["evt"]), ("type", {"a": 1})])
def test_a_signed_event_with_an_id_or_type_that_is_not_text_is_rejected(
    purchase: Purchase, org: Any, field: str, value: Any
) -> None:
    event = paid(purchase)
    event[field] = value

    assert deliver(event).status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_missing_signature_or_garbage_is_rejected(purchase: Purchase, org: Any) -> None:
    assert post_signed(json.dumps(paid(purchase)), signature=None).status_code == 400
    assert post_signed("not json", signature=sign("not json")).status_code == 400
    assert ledger.balances(org).invite == 0


def test_the_webhook_only_takes_posts(stripe_fake: FakeStripe, client: Any) -> None:
    assert client.get(WEBHOOK_URL).status_code == 405


def test_without_a_webhook_secret_nothing_is_processed(
    purchase: Purchase, org: Any, settings: Any
) -> None:
    body = json.dumps(paid(purchase))
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = post_signed(body, signature=sign(body))

    assert response.status_code == 503
    assert ledger.balances(org).invite == 0


# --- Delayed payment methods ----------------------------------------------------------


def test_a_delayed_payment_is_granted_once_when_it_clears(
    purchase: Purchase, org: Any, on_commit: Any
) -> None:
    completed = session_event("checkout.session.completed_unpaid", purchase)
    succeeded = session_event("checkout.session.async_payment_succeeded", purchase)

    with on_commit():
        assert deliver(completed).status_code == 200
    assert ledger.balances(org).invite == 0
    assert refresh(purchase).status == Purchase.Status.PENDING

    for _ in range(2):
        with on_commit():
            assert deliver(succeeded).status_code == 200

    assert refresh(purchase).status == Purchase.Status.PAID
    assert ledger.balances(org).invite == 120
    assert len(purchase_entries(purchase)) == 1
    assert len(receipts()) == 1


def test_a_delayed_payment_whose_events_arrive_reversed_is_granted_once(
    purchase: Purchase, org: Any, on_commit: Any
) -> None:
    with on_commit():
        deliver(session_event("checkout.session.async_payment_succeeded", purchase))
    with on_commit():
        response = deliver(session_event("checkout.session.completed_unpaid", purchase))

    assert response.status_code == 200
    assert refresh(purchase).status == Purchase.Status.PAID
    assert ledger.balances(org).invite == 120
    assert len(purchase_entries(purchase)) == 1


def test_a_failed_delayed_payment_grants_nothing(purchase: Purchase, org: Any) -> None:
    deliver(session_event("checkout.session.completed_unpaid", purchase))
    response = deliver(session_event("checkout.session.async_payment_failed", purchase))

    assert response.status_code == 200
    assert refresh(purchase).status == Purchase.Status.FAILED
    assert ledger.balances(org).invite == 0
    assert purchase_entries(purchase) == []


def test_a_late_failure_does_not_undo_a_payment(purchase: Purchase, org: Any) -> None:
    deliver(session_event("checkout.session.async_payment_succeeded", purchase))
    deliver(session_event("checkout.session.async_payment_failed", purchase))
    deliver(session_event("checkout.session.expired", purchase))

    assert refresh(purchase).status == Purchase.Status.PAID
    assert ledger.balances(org).invite == 120


def test_an_expired_checkout_is_marked_expired(purchase: Purchase, org: Any) -> None:
    response = deliver(session_event("checkout.session.expired", purchase))

    assert response.status_code == 200
    assert refresh(purchase).status == Purchase.Status.EXPIRED
    assert ledger.balances(org).invite == 0


# --- What may be granted ------------------------------------------------------------


def test_an_amount_that_does_not_match_the_bundle_grants_nothing(
    purchase: Purchase, org: Any, on_commit: Any
) -> None:
    with on_commit():
        response = deliver(paid(purchase, amount_total=100, amount_subtotal=100))

    assert response.status_code == 200
    purchase = refresh(purchase)
    assert ledger.balances(org).invite == 0
    assert purchase.credits_granted == 0
    assert purchase.needs_attention
    assert "1.00 EUR paid" in purchase.attention_note
    assert len(staff_mail()) == 1


def test_a_currency_that_does_not_match_grants_nothing(purchase: Purchase, org: Any) -> None:
    deliver(paid(purchase, currency="usd"))

    assert ledger.balances(org).invite == 0
    assert refresh(purchase).needs_attention


def test_a_session_opened_for_one_organization_never_credits_another(
    purchase: Purchase, org: Any, other_org: Any, charlie_client: Any, bundle: Any
) -> None:
    charlies = bought(charlie_client, other_org, bundle)

    # Alice's paid session carrying charlie's purchase id or organization in the
    # fields a client can influence credits alice, or nobody: never charlie.
    deliver(paid(purchase, metadata={"purchase_id": charlies.public_id, "organization": "x"}))
    deliver(paid(purchase, client_reference_id=charlies.public_id, event_id="evt_mixed"))

    assert ledger.balances(org).invite == 120
    assert ledger.balances(other_org).invite == 0
    assert refresh(charlies).status == Purchase.Status.PENDING
    assert refresh(purchase).status == Purchase.Status.PAID


def test_a_session_that_is_not_ours_is_acknowledged_and_ignored(purchase: Purchase, org: Any):
    response = deliver(paid(purchase, id="cs_test_from_another_app", event_id="evt_other_app"))

    assert response.status_code == 200
    assert StripeEvent.objects.get().state == StripeEvent.State.IGNORED
    assert ledger.balances(org).invite == 0


def test_unknown_event_types_are_acknowledged(stripe_fake: FakeStripe) -> None:
    response = deliver(payload("customer.created"))

    assert response.status_code == 200
    assert StripeEvent.objects.get().state == StripeEvent.State.IGNORED


# --- Refunds and disputes -----------------------------------------------------------


@pytest.fixture
def paid_purchase(purchase: Purchase, on_commit: Any) -> Purchase:
    with on_commit():
        deliver(paid(purchase))
    mail.outbox.clear()
    return refresh(purchase)


def test_a_full_refund_takes_all_credits_back(paid_purchase: Purchase, org: Any) -> None:
    response = deliver(charge_event(paid_purchase, amount_refunded=3600))

    assert response.status_code == 200
    purchase = refresh(paid_purchase)
    assert purchase.status == Purchase.Status.REFUNDED
    assert purchase.amount_refunded == Decimal("36.00")
    assert purchase.credits_reversed == 120
    assert purchase.credits_shortfall == 0
    assert not purchase.needs_attention
    assert ledger.balances(org).invite == 0
    assert [(e.amount, e.reason) for e in purchase_entries(purchase)] == [
        (120, CreditEntry.Reason.PURCHASE),
        (-120, CreditEntry.Reason.REFUND),
    ]


def test_refunds_in_steps_take_back_only_the_new_share(paid_purchase: Purchase, org: Any) -> None:
    first = charge_event(paid_purchase, amount_refunded=900, event_id="evt_refund_1")
    second = charge_event(paid_purchase, amount_refunded=1800, event_id="evt_refund_2")

    deliver(first)
    assert refresh(paid_purchase).status == Purchase.Status.PARTIALLY_REFUNDED
    assert ledger.balances(org).invite == 90
    deliver(second)
    deliver(first)  # a late redelivery of the older, smaller total

    purchase = refresh(paid_purchase)
    assert purchase.amount_refunded == Decimal("18.00")
    assert purchase.credits_reversed == 60
    assert ledger.balances(org).invite == 60
    assert [e.amount for e in purchase_entries(purchase)] == [120, -30, -30]


def test_a_refund_after_credits_were_used_stops_at_zero_and_flags_the_shortfall(
    paid_purchase: Purchase, org: Any, on_commit: Any
) -> None:
    use_credits(org, CreditKind.INVITE, 100)

    with on_commit():
        response = deliver(charge_event(paid_purchase, amount_refunded=3600))

    assert response.status_code == 200
    purchase = refresh(paid_purchase)
    assert ledger.balances(org).invite == 0
    assert purchase.status == Purchase.Status.REFUNDED
    assert purchase.credits_reversed == 20
    assert purchase.credits_shortfall == 100
    assert purchase.needs_attention
    assert "100 of 120 refunded credits had already been used" in purchase.attention_note
    (alert,) = staff_mail()
    assert org.name in alert.subject
    assert purchase.public_id in alert.body
    assert Purchase.objects.filter(needs_attention=True).get() == purchase


def test_a_refund_when_every_credit_was_used_records_the_whole_shortfall(
    paid_purchase: Purchase, org: Any
) -> None:
    use_credits(org, CreditKind.INVITE, 120)

    deliver(charge_event(paid_purchase, amount_refunded=3600))
    deliver(charge_event(paid_purchase, amount_refunded=3600))

    purchase = refresh(paid_purchase)
    assert ledger.balances(org).invite == 0
    assert (purchase.credits_reversed, purchase.credits_shortfall) == (0, 120)
    assert purchase.needs_attention


def test_a_dispute_takes_credits_back_and_tells_staff(
    paid_purchase: Purchase, org: Any, on_commit: Any
) -> None:
    event = payload("charge.dispute.created", payment_intent=paid_purchase.stripe_payment_intent_id)

    with on_commit():
        assert deliver(event).status_code == 200
    with on_commit():
        assert deliver(event).status_code == 200

    purchase = refresh(paid_purchase)
    assert ledger.balances(org).invite == 0
    assert purchase.amount_disputed == Decimal("36.00")
    assert purchase.credits_reversed == 120
    assert purchase.needs_attention
    assert "Dispute dp_1QdisputeFraud000000001" in purchase.attention_note
    assert [e.reason for e in purchase_entries(purchase)][-1] == CreditEntry.Reason.DISPUTE
    assert len(staff_mail()) == 1


def test_a_refund_announced_before_the_payment_is_applied_after_it(
    purchase: Purchase, org: Any, on_commit: Any
) -> None:
    refund = charge_event(purchase, amount_refunded=3600)
    refund["data"]["object"]["payment_intent"] = "pi_3QpaidIntent0000000001"

    assert deliver(refund).status_code == 200
    assert StripeEvent.objects.get().state == StripeEvent.State.DEFERRED
    with on_commit():
        deliver(paid(purchase))

    purchase = refresh(purchase)
    assert purchase.status == Purchase.Status.REFUNDED
    assert ledger.balances(org).invite == 0
    assert set(StripeEvent.objects.values_list("state", flat=True)) == {"processed"}


def test_a_refund_of_a_charge_that_is_not_ours_changes_nothing(paid_purchase: Purchase, org):
    refund = charge_event(paid_purchase, amount_refunded=3600)
    refund["data"]["object"]["payment_intent"] = "pi_somebody_else"

    assert deliver(refund).status_code == 200
    assert ledger.balances(org).invite == 120


# --- Emails (through the outbox) --------------------------------------------------------


def test_the_receipt_is_an_outbox_delivery_that_ends_sent(
    purchase: Purchase, org: Any, on_commit: Any
) -> None:
    with on_commit():
        deliver(paid(purchase))

    assert deliveries_of("purchase-receipt") == [("alice@example.com", "sent")]
    assert Delivery.objects.get(template="purchase-receipt").organization == org
    assert len(receipts()) == 1


def test_the_staff_alert_is_an_outbox_delivery_that_ends_sent(
    purchase: Purchase, on_commit: Any
) -> None:
    with on_commit():
        deliver(paid(purchase, amount_total=100, amount_subtotal=100))

    assert deliveries_of("purchase-attention") == [("staff@artsvp.example", "sent")]
    # Staff mail: it belongs to no organization's outbox.
    assert Delivery.objects.get(template="purchase-attention").organization is None
    (alert,) = staff_mail()
    assert alert.subject == "Purchase needs attention: Basel Art Week"
    assert "1.00 EUR paid, but the bundle costs 36.00 EUR" in alert.body
    admin_url = f"http://127.0.0.1:8000/admin/billing/purchase/{purchase.pk}/change/"
    assert admin_url in alert.body
    assert f'href="{admin_url}"' in alert.alternatives[0][0]


@pytest.mark.parametrize("amount_total", [3600, 100], ids=["receipt", "staff-alert"])
def test_a_fulfilment_that_rolls_back_emails_nothing(
    amount_total: int,
    purchase: Purchase,
    org: Any,
    on_commit: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fail_after_queueing(monkeypatch, services)

    with on_commit(), pytest.raises(RolledBack):
        services.fulfil_purchase(
            purchase, amount_total=amount_total, currency="eur", payment_intent_id="pi_rolled_back"
        )

    assert mail.outbox == []
    assert not Delivery.objects.exists()
    purchase = refresh(purchase)
    assert (purchase.paid_at, purchase.needs_attention) == (None, False)
    assert ledger.balances(org).invite == 0
