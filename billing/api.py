"""Purchases in the API: the organization's bundle purchases."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Query, Router, Schema

from artsvp.api_support import PageQuery, api_enum, errors, paginate
from billing.models import Purchase
from credits.models import CreditKind
from organizations.api_auth import ApiRequest

router = Router()

PurchaseStatus = api_enum("PurchaseStatus", Purchase.Status)


class PurchaseOut(Schema):
    id: str
    kind: CreditKind
    credits: int
    total_price: Decimal
    currency: str
    status: PurchaseStatus  # type: ignore[valid-type]  # api_enum builds this enum at run time (its own OpenAPI name)
    credits_granted: int
    created_at: datetime
    paid_at: datetime | None


class PurchasePage(Schema):
    items: list[PurchaseOut]
    next_cursor: str | None


@router.get("/purchases", response={200: PurchasePage, **errors(422)}, summary="Bundle purchases")
def list_purchases(request: ApiRequest, page: Query[PageQuery]) -> PurchasePage:
    purchases = Purchase.objects.filter(organization=request.organization)
    items, next_cursor = paginate(purchases, page)
    return PurchasePage(
        items=[
            PurchaseOut(
                id=purchase.public_id,
                kind=CreditKind(purchase.kind),
                credits=purchase.credits,
                total_price=purchase.total_price,
                currency=purchase.currency,
                status=PurchaseStatus(purchase.status),
                credits_granted=purchase.credits_granted,
                created_at=purchase.created_at,
                paid_at=purchase.paid_at,
            )
            for purchase in items
        ],
        next_cursor=next_cursor,
    )
