"""GET /credits, GET /credits/entries, GET /purchases."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from billing.models import Purchase
from credits.models import CreditKind
from organizations.models import Organization
from portals.models import Portal
from tests.api.conftest import ApiClient, assert_error
from tests.conftest import give_credits


def test_it_shows_both_balances(api: ApiClient, org: Organization) -> None:
    give_credits(org, portal=3, invite=40)

    response = api.get("/credits")

    assert response.status_code == 200
    assert response.json() == {"portal_credits": 3, "invite_credits": 40}


def test_balances_are_the_keys_organizations(
    api: ApiClient, outsider_api: ApiClient, org: Organization, other_org: Organization
) -> None:
    give_credits(org, invite=40)
    give_credits(other_org, invite=2)

    assert api.get("/credits").json()["invite_credits"] == 40
    assert outsider_api.get("/credits").json()["invite_credits"] == 2


def test_the_statement_lists_entries_newest_first_with_their_causes(
    api: ApiClient, org: Organization, assigned_portal: Portal
) -> None:
    give_credits(org, invite=10)
    batch_id = api.post(f"/portals/{assigned_portal.public_id}/invites", {"blank": 2}).json()[
        "batch_id"
    ]

    items = api.get("/credits/entries").json()["items"]

    assert [(e["kind"], e["amount"], e["balance_after"], e["reason"]) for e in items] == [
        ("invite", -2, 8, "invite_generation"),
        ("invite", 10, 10, "demo_grant"),
        ("portal", -1, 0, "portal_assignment"),
        ("portal", 1, 1, "demo_grant"),
    ]
    assert items[0]["invite_batch_id"] == batch_id
    assert items[2]["portal_id"] == assigned_portal.public_id


def test_the_statement_filters_by_kind_and_reason(
    api: ApiClient, org: Organization, assigned_portal: Portal
) -> None:
    give_credits(org, invite=10)

    invite_entries = api.get("/credits/entries", {"kind": "invite"}).json()["items"]
    assignments = api.get("/credits/entries", {"reason": "portal_assignment"}).json()["items"]

    assert [e["kind"] for e in invite_entries] == ["invite"]
    assert [e["portal_id"] for e in assignments] == [assigned_portal.public_id]
    assert_error(api.get("/credits/entries", {"kind": "gold"}), 422, "invalid")


def test_the_statement_is_paginated(api: ApiClient, org: Organization) -> None:
    for _ in range(5):
        give_credits(org, invite=1)

    first = api.get("/credits/entries", {"limit": 2}).json()
    second = api.get("/credits/entries", {"limit": 2, "cursor": first["next_cursor"]}).json()

    assert [e["balance_after"] for e in first["items"]] == [5, 4]
    assert [e["balance_after"] for e in second["items"]] == [3, 2]
    assert_error(api.get("/credits/entries", {"limit": 0}), 422, "invalid")
    assert_error(api.get("/credits/entries", {"limit": 201}), 422, "invalid")


def test_another_organizations_statement_stays_hidden(
    outsider_api: ApiClient, org: Organization
) -> None:
    give_credits(org, invite=10)

    assert outsider_api.get("/credits/entries").json() == {"items": [], "next_cursor": None}


def _purchase(organization: Organization, **fields: Any) -> Purchase:
    values: dict[str, Any] = {
        "organization": organization,
        "kind": CreditKind.INVITE,
        "credits": 100,
        "unit_price": Decimal("0.5000"),
        "total_price": Decimal("50.00"),
        "currency": "EUR",
    }
    return Purchase.objects.create(**{**values, **fields})


def test_it_lists_purchases(api: ApiClient, outsider_api: ApiClient, org: Organization) -> None:
    purchase = _purchase(org, status=Purchase.Status.PAID)

    items = api.get("/purchases").json()["items"]

    assert len(items) == 1
    assert {key: items[0][key] for key in ("id", "kind", "credits", "currency", "status")} == {
        "id": purchase.public_id,
        "kind": "invite",
        "credits": 100,
        "currency": "EUR",
        "status": "paid",
    }
    assert Decimal(items[0]["total_price"]) == Decimal("50.00")
    assert outsider_api.get("/purchases").json()["items"] == []
