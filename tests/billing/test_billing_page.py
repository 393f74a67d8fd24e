"""The buy controls and purchase list that the billing page includes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from billing.models import Bundle, Purchase
from tests.billing.kit import FakeStripe

pytestmark = pytest.mark.django_db


def billing_page(client: Any, org: Any) -> str:
    response = client.get(reverse("billing:billing", args=[org.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_without_stripe_organizers_are_offered_a_credit_request_not_operator_setup(
    alice_client: Any, org: Any, bundle: Bundle
) -> None:
    html = billing_page(alice_client, org)

    assert "Buying online isn\u2019t available yet — request credits" in html
    assert f'action="{reverse("billing:request_credits", args=[org.slug])}"' in html
    # Operator instructions are for operators.
    assert "STRIPE_SECRET_KEY" not in html
    assert "checkout.session.completed" not in html
    assert reverse("billing:buy", args=[org.slug, bundle.pk]) not in html


def test_without_stripe_staff_see_how_to_set_it_up(
    alice: Any, alice_client: Any, org: Any, bundle: Bundle
) -> None:
    alice.is_staff = True
    alice.save()
    html = billing_page(alice_client, org)

    assert "online payment is not configured on this server" in html
    assert "STRIPE_SECRET_KEY" in html
    assert "STRIPE_WEBHOOK_SECRET" in html
    assert "http://testserver/billing/stripe/webhook/" in html


def test_prices_are_written_for_people(alice_client: Any, org: Any, settings: Any) -> None:
    Bundle.objects.all().delete()
    Bundle.objects.create(kind="invite", credits=10000, currency="EUR", price=Decimal("1250.00"))
    Bundle.objects.create(kind="portal", credits=50, currency="CHF", price=Decimal("980.5"))
    settings.PRICES_VAT_NOTE = "Prices exclude VAT."
    html = billing_page(alice_client, org)

    assert "€1,250.00" in html
    assert "CHF 980.50" in html
    assert "Prices exclude VAT." in html


def test_with_stripe_keys_managers_get_a_buy_button_per_bundle(
    stripe_fake: FakeStripe, alice_client: Any, org: Any, bundle: Bundle
) -> None:
    html = billing_page(alice_client, org)

    assert f'action="{reverse("billing:buy", args=[org.slug, bundle.pk])}"' in html
    assert "csrfmiddlewaretoken" in html
    assert "request credits" not in html


def test_a_kind_without_bundles_on_sale_says_so(alice_client: Any, org: Any) -> None:
    Bundle.objects.filter(kind="portal").update(active=False)
    Bundle.objects.filter(kind="invite").delete()
    Bundle.objects.create(kind="invite", credits=100, currency="EUR", price=Decimal("30.00"))

    html = billing_page(alice_client, org)

    assert "No portal credit bundles are on sale right now." in html
    # The only invite bundle saves nothing against itself.
    assert '<td data-label="Saving"><span class="muted">—</span></td>' in html


def test_members_see_prices_but_no_buy_button(
    stripe_fake: FakeStripe, bob_client: Any, org: Any, bundle: Bundle
) -> None:
    html = billing_page(bob_client, org)

    assert reverse("billing:buy", args=[org.slug, bundle.pk]) not in html


def test_purchases_are_listed_with_status_credits_and_a_link(
    alice_client: Any, org: Any, alice: Any
) -> None:
    refunded = Purchase.objects.create(
        organization=org,
        buyer=alice,
        kind="invite",
        credits=120,
        unit_price=Decimal("0.3"),
        total_price=Decimal("36.00"),
        currency="EUR",
        status=Purchase.Status.REFUNDED,
        credits_granted=120,
        credits_reversed=20,
        credits_shortfall=100,
        needs_attention=True,
    )

    html = billing_page(alice_client, org)

    assert reverse("billing:purchase", args=[org.slug, refunded.public_id]) in html
    assert '<span class="badge refunded">Refunded</span>' in html
    assert "20 taken back" in html
    assert "100 already used" in html
    assert "€36.00" in html


def test_no_purchases_says_what_to_do(alice_client: Any, org: Any) -> None:
    assert "Receipts and refunds of the bundles you buy" in billing_page(alice_client, org)


def test_the_purchase_list_does_no_queries_of_its_own(
    org: Any, alice: Any, django_assert_num_queries: Any
) -> None:
    for credits in range(1, 31):
        Purchase.objects.create(
            organization=org,
            buyer=alice,
            kind="portal",
            credits=credits,
            unit_price=Decimal("10"),
            total_price=Decimal(credits * 10),
            currency="EUR",
        )
    purchases = list(Purchase.objects.filter(organization=org))
    request = RequestFactory().get("/")

    with django_assert_num_queries(0):
        html = render_to_string(
            "billing/_purchases.html",
            {"purchases": purchases, "current_organization": org, "request": request},
        )

    assert html.count("badge pending") == 30
