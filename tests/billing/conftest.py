"""Fixtures for billing tests; the fake and the helpers live in kit.py."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from billing.models import Bundle, Purchase
from credits.models import CreditKind
from organizations.models import Organization
from tests.billing.kit import WEBHOOK_SECRET, FakeStripe, bought


@pytest.fixture(scope="session")
def _stripe_server() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def stripe_fake(_stripe_server: FakeStripe, settings: Any) -> FakeStripe:
    """Stripe switched on and pointed at the local fake."""
    _stripe_server.reset()
    settings.STRIPE_SECRET_KEY = "sk_test_artsvp_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = _stripe_server.url
    settings.ADMINS = [("Billing staff", "staff@artsvp.example")]
    return _stripe_server


@pytest.fixture
def bundle(db: Any) -> Bundle:
    bundle, _ = Bundle.objects.update_or_create(
        kind=CreditKind.INVITE,
        credits=120,
        currency="EUR",
        defaults={"price": Decimal("36.00"), "active": True},
    )
    return bundle


@pytest.fixture
def purchase(
    stripe_fake: FakeStripe, alice_client: Client, org: Organization, bundle: Bundle
) -> Purchase:
    return bought(alice_client, org, bundle)
