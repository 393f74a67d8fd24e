"""The bundle price list as organizers see it: per-credit prices and savings.

The Bundle model lives in billing (with the purchases it snapshots into);
this module only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from billing.models import Bundle
from credits.models import CreditKind


@dataclass(frozen=True)
class BundleOffer:
    bundle: Bundle
    unit_price: Decimal
    # Percent saved per credit against the smallest bundle of the same kind.
    saving_percent: int


@dataclass(frozen=True)
class PriceList:
    kind: str
    label: str
    offers: list[BundleOffer]


def price_lists() -> list[PriceList]:
    """Active bundles per kind (portal first), smallest first, one query."""
    by_kind: dict[str, list[Bundle]] = {kind: [] for kind in CreditKind.values}
    for bundle in Bundle.objects.filter(active=True).order_by("kind", "currency", "credits"):
        by_kind.setdefault(bundle.kind, []).append(bundle)
    lists = []
    for kind, bundles in by_kind.items():
        smallest: dict[str, Decimal] = {}
        offers = []
        for bundle in bundles:
            unit = bundle.price / bundle.credits
            base = smallest.setdefault(bundle.currency, unit)
            saving = ((1 - unit / base) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
            offers.append(
                BundleOffer(
                    bundle=bundle,
                    unit_price=unit.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                    saving_percent=max(int(saving), 0),
                )
            )
        lists.append(PriceList(kind=kind, label=str(CreditKind(kind).label), offers=offers))
    return lists
