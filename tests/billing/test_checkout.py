"""Buying a bundle: the buy button, Stripe Checkout, back on our pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from billing.models import Bundle, Purchase
from credits import ledger
from tests.billing.kit import FakeStripe, buy, purchase_entries

pytestmark = pytest.mark.django_db


def success_url(purchase: Purchase) -> str:
    return reverse("billing:success", args=[purchase.organization.slug])


def test_buying_opens_a_checkout_priced_from_our_bundle(
    stripe_fake: FakeStripe, alice_client: Any, org: Any, bundle: Bundle
) -> None:
    response = buy(alice_client, org, bundle)

    purchase = Purchase.objects.get(organization=org)
    session = stripe_fake.sessions[purchase.stripe_checkout_session_id or ""]
    assert response.status_code == 303
    assert response["Location"] == session["url"]
    assert (purchase.kind, purchase.credits, purchase.total_price, purchase.currency) == (
        "invite",
        120,
        Decimal("36.00"),
        "EUR",
    )
    assert purchase.unit_price == Decimal("0.3000")
    assert purchase.status == Purchase.Status.PENDING
    assert purchase.buyer.email == "alice@example.com"

    (request,) = stripe_fake.created_sessions()
    params = request["params"]
    assert request["headers"]["idempotency-key"] == f"checkout-session:{purchase.public_id}"
    assert request["headers"]["authorization"] == "Bearer sk_test_artsvp_fake"
    assert params["mode"] == "payment"
    assert params["line_items[0][quantity]"] == "1"
    assert params["line_items[0][price_data][unit_amount]"] == "3600"
    assert params["line_items[0][price_data][currency]"] == "eur"
    assert params["line_items[0][price_data][product_data][name]"] == "120 invite credits"
    assert params["client_reference_id"] == purchase.public_id
    assert params["metadata[purchase_id]"] == purchase.public_id
    assert params["metadata[organization]"] == org.slug
    assert params["customer_email"] == "alice@example.com"
    # On the app's public address (artsvp/links.py), whatever Host the request named.
    assert params["success_url"] == (
        f"{settings.SITE_URL}{success_url(purchase)}?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert params["cancel_url"].endswith(reverse("billing:cancel", args=[org.slug]))


def test_a_later_price_change_does_not_change_an_open_purchase(
    purchase: Purchase, bundle: Bundle
) -> None:
    bundle.price = Decimal("99.00")
    bundle.save()

    purchase.refresh_from_db()
    assert purchase.total_price == Decimal("36.00")


def test_members_cannot_buy(stripe_fake: FakeStripe, bob_client: Any, org: Any, bundle: Bundle):
    response = buy(bob_client, org, bundle)

    assert response.status_code == 403
    assert not Purchase.objects.exists()
    assert stripe_fake.requests == []


def test_outsiders_cannot_buy_for_another_organization(
    stripe_fake: FakeStripe, charlie_client: Any, org: Any, bundle: Bundle
) -> None:
    assert buy(charlie_client, org, bundle).status_code == 404
    assert not Purchase.objects.exists()


def test_buying_needs_a_post(stripe_fake: FakeStripe, alice_client: Any, org: Any, bundle):
    response = alice_client.get(reverse("billing:buy", args=[org.slug, bundle.pk]))

    assert response.status_code == 405
    assert not Purchase.objects.exists()


def test_an_inactive_bundle_cannot_be_bought(
    stripe_fake: FakeStripe, alice_client: Any, org: Any, bundle: Bundle
) -> None:
    bundle.active = False
    bundle.save()

    assert buy(alice_client, org, bundle).status_code == 404
    assert not Purchase.objects.exists()


def test_without_stripe_keys_buying_explains_instead_of_failing(
    alice_client: Any, org: Any, bundle: Bundle
) -> None:
    response = buy(alice_client, org, bundle)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("billing:billing", args=[org.slug]))
    page = alice_client.get(response["Location"])
    assert "Online payment is not set up on this server yet" in page.content.decode()
    assert not Purchase.objects.exists()


def test_when_stripe_fails_the_buyer_is_told_and_the_purchase_is_marked_failed(
    stripe_fake: FakeStripe, alice_client: Any, org: Any, bundle: Bundle
) -> None:
    stripe_fake.fail_with = (
        400,
        {"error": {"type": "invalid_request_error", "message": "Invalid currency: eur"}},
    )

    response = buy(alice_client, org, bundle)

    assert response.status_code == 302
    page = alice_client.get(response["Location"])
    assert "We could not reach our payment provider" in page.content.decode()
    purchase = Purchase.objects.get(organization=org)
    assert purchase.status == Purchase.Status.FAILED
    assert purchase.stripe_checkout_session_id is None


def test_the_success_page_grants_at_once_and_shows_the_new_balance(
    stripe_fake: FakeStripe,
    alice_client: Any,
    org: Any,
    purchase: Purchase,
    django_capture_on_commit_callbacks: Any,
) -> None:
    session = stripe_fake.complete(purchase.stripe_checkout_session_id)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = alice_client.get(success_url(purchase), {"session_id": session["id"]})
        # The receipt waits for the commit: nothing is sent from inside the transaction.
        assert mail.outbox == []

    assert response.status_code == 200
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.PAID
    assert purchase.credits_granted == 120
    assert purchase.stripe_payment_intent_id == session["payment_intent"]
    assert ledger.balances(org).invite == 120
    html = response.content.decode()
    assert "Payment received" in html
    assert '<span class="value">120</span><span class="label">Invite credits</span>' in html
    (receipt,) = mail.outbox
    assert receipt.to == ["alice@example.com"]
    assert "120 invite credits" in receipt.subject
    assert purchase.public_id in receipt.body
    assert callbacks


def test_reloading_the_success_page_grants_once(
    stripe_fake: FakeStripe,
    alice_client: Any,
    org: Any,
    purchase: Purchase,
    django_capture_on_commit_callbacks: Any,
) -> None:
    session = stripe_fake.complete(purchase.stripe_checkout_session_id)

    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.get(success_url(purchase), {"session_id": session["id"]})
        assert response.status_code == 200

    assert ledger.balances(org).invite == 120
    assert len(purchase_entries(purchase)) == 1
    assert len(mail.outbox) == 1


def test_the_success_page_says_processing_for_a_delayed_payment(
    stripe_fake: FakeStripe, alice_client: Any, org: Any, purchase: Purchase
) -> None:
    session = stripe_fake.complete(purchase.stripe_checkout_session_id, paid=False)

    response = alice_client.get(success_url(purchase), {"session_id": session["id"]})

    html = response.content.decode()
    assert "Payment processing" in html
    assert "added automatically as soon as it does" in html
    assert ledger.balances(org).invite == 0
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.PENDING


def test_the_success_page_before_paying_grants_nothing(
    stripe_fake: FakeStripe, alice_client: Any, org: Any, purchase: Purchase
) -> None:
    response = alice_client.get(
        success_url(purchase), {"session_id": purchase.stripe_checkout_session_id}
    )

    assert "Waiting for payment" in response.content.decode()
    assert ledger.balances(org).invite == 0


def test_the_success_page_copes_with_stripe_being_down(
    stripe_fake: FakeStripe, alice_client: Any, org: Any, purchase: Purchase
) -> None:
    stripe_fake.complete(purchase.stripe_checkout_session_id)
    stripe_fake.fail_with = (400, {"error": {"type": "api_error", "message": "Down"}})

    response = alice_client.get(
        success_url(purchase), {"session_id": purchase.stripe_checkout_session_id}
    )

    assert response.status_code == 200
    assert "could not reach Stripe just now" in response.content.decode()
    assert ledger.balances(org).invite == 0


def test_charlie_cannot_see_the_success_page_of_alices_purchase(
    stripe_fake: FakeStripe, charlie_client: Any, other_org: Any, org: Any, purchase: Purchase
) -> None:
    session = stripe_fake.complete(purchase.stripe_checkout_session_id)

    in_alices_org = charlie_client.get(success_url(purchase), {"session_id": session["id"]})
    in_his_own_org = charlie_client.get(
        reverse("billing:success", args=[other_org.slug]), {"session_id": session["id"]}
    )

    assert in_alices_org.status_code == 404
    assert in_his_own_org.status_code == 404
    assert ledger.balances(other_org).invite == 0
    assert ledger.balances(org).invite == 0


def test_an_unknown_session_is_a_404(stripe_fake: FakeStripe, alice_client: Any, org: Any):
    url = reverse("billing:success", args=[org.slug])

    assert alice_client.get(url, {"session_id": "cs_test_not_ours"}).status_code == 404
    assert alice_client.get(url).status_code == 404


def test_cancelling_changes_nothing(
    stripe_fake: FakeStripe, alice_client: Any, org: Any, purchase: Purchase
) -> None:
    response = alice_client.get(reverse("billing:cancel", args=[org.slug]), follow=True)

    assert "Checkout cancelled. Nothing was charged" in response.content.decode()
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.PENDING
    assert ledger.balances(org).invite == 0


def test_the_purchase_page_shows_credits_and_ledger_entries(
    stripe_fake: FakeStripe, alice_client: Any, org: Any, purchase: Purchase
) -> None:
    stripe_fake.complete(purchase.stripe_checkout_session_id)
    alice_client.get(success_url(purchase), {"session_id": purchase.stripe_checkout_session_id})

    response = alice_client.get(reverse("billing:purchase", args=[org.slug, purchase.public_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "120 invite credits" in html
    assert "€36.00" in html
    assert "Bundle purchase" in html
    assert '<span class="badge paid">Paid</span>' in html


def test_the_purchase_page_of_a_pending_purchase_offers_a_status_check(
    purchase: Purchase, alice_client: Any, org: Any
) -> None:
    response = alice_client.get(reverse("billing:purchase", args=[org.slug, purchase.public_id]))

    html = response.content.decode()
    assert "Payment not received yet" in html
    assert f"?session_id={purchase.stripe_checkout_session_id}" in html


def test_charlie_cannot_see_alices_purchase(
    purchase: Purchase, charlie_client: Any, org: Any, other_org: Any
) -> None:
    for slug in (org.slug, other_org.slug):
        url = reverse("billing:purchase", args=[slug, purchase.public_id])
        assert charlie_client.get(url).status_code == 404
