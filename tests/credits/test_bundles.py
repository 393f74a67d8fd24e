"""The default bundle catalog seeded by credits/migrations/0003_seed_bundles.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from billing.catalog import price_lists
from billing.models import Bundle

pytestmark = pytest.mark.django_db


def test_the_catalog_offers_the_default_bundles_in_euros(db: Any) -> None:
    sizes = {
        kind: list(
            Bundle.objects.filter(kind=kind, currency="EUR", active=True)
            .order_by("credits")
            .values_list("credits", flat=True)
        )
        for kind in ("portal", "invite")
    }

    assert {5, 10, 25, 50, 100} <= set(sizes["portal"])
    assert {100, 250, 500, 1000, 5000} <= set(sizes["invite"])


@pytest.mark.parametrize("kind", ["portal", "invite"])
def test_bigger_bundles_cost_less_per_credit(kind: str) -> None:
    bundles = Bundle.objects.filter(kind=kind, currency="EUR").order_by("credits")
    unit_prices = [bundle.price / bundle.credits for bundle in bundles]

    assert len(unit_prices) >= 5
    assert unit_prices == sorted(unit_prices, reverse=True)
    assert len(set(unit_prices)) == len(unit_prices)


def test_the_price_list_shows_per_credit_prices_and_savings() -> None:
    lists = {price_list.kind: price_list for price_list in price_lists()}

    portal = {offer.bundle.credits: offer for offer in lists["portal"].offers}
    assert portal[5].unit_price == Decimal("19.00")
    assert portal[5].saving_percent == 0
    assert portal[100].unit_price == Decimal("11.00")
    assert portal[100].saving_percent == 42  # 11 vs 19 per credit
    invite = {offer.bundle.credits: offer for offer in lists["invite"].offers}
    assert invite[5000].unit_price == Decimal("0.12")
    assert invite[5000].saving_percent == 60


def test_inactive_bundles_are_not_offered() -> None:
    Bundle.objects.filter(kind="portal", credits=5).update(active=False)

    offered = [offer.bundle.credits for offer in price_lists()[0].offers]

    assert 5 not in offered
    assert offered[0] == 10
