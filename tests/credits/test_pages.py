"""The billing page, the statement, its CSV export and the credits icon."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Purchase
from credits import ledger
from credits.models import CreditEntry, CreditKind
from invites.guests import GuestInput
from invites.models import InviteBatch
from invites.services import generate_invites
from organizations.models import Organization
from portals.claiming import claim_portal
from tests.conftest import give_credits, make_portal

pytestmark = pytest.mark.django_db


def billing_url(org: Organization) -> str:
    return reverse("billing:billing", args=[org.slug])


def statement_url(org: Organization, query: str = "") -> str:
    return reverse("credits:statement", args=[org.slug]) + query


def csv_url(org: Organization, query: str = "") -> str:
    return reverse("credits:statement_csv", args=[org.slug]) + query


def read_csv(response: Any) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def consume(org: Organization, kind: str, amount: int, **cause: Any) -> CreditEntry:
    with transaction.atomic():
        return ledger.consume(
            org,
            kind,
            amount,
            reason=cause.pop("reason", CreditEntry.Reason.INVITE_GENERATION),
            idempotency_key=f"test:{uuid.uuid4().hex}",
            **cause,
        )


@pytest.fixture
def history(org: Organization, alice: Any, portal: Any, event: Any) -> dict[str, Any]:
    """A purchase, a portal assignment and an invite batch, oldest first."""
    purchase = Purchase.objects.create(
        organization=org,
        buyer=alice,
        kind=CreditKind.INVITE,
        credits=100,
        unit_price=Decimal("0.30"),
        total_price=Decimal("30.00"),
        currency="EUR",
        status=Purchase.Status.PAID,
    )
    with transaction.atomic():
        bought = ledger.grant(
            org,
            CreditKind.INVITE,
            100,
            reason=CreditEntry.Reason.PURCHASE,
            idempotency_key=f"purchase:{purchase.pk}",
            actor=alice,
            purchase=purchase,
            memo="100 credits for 30.00 EUR",
        )
    give_credits(org, portal=3)
    assigned = consume(
        org, CreditKind.PORTAL, 1, portal=portal, reason=CreditEntry.Reason.PORTAL_ASSIGNMENT
    )
    batch = InviteBatch.objects.create(
        organization=org, event=event, portal=portal, method=InviteBatch.Method.PASTE, size=3
    )
    generated = consume(org, CreditKind.INVITE, 3, invite_batch=batch)
    return {"purchase": purchase, "bought": bought, "assigned": assigned, "generated": generated}


# --- Who may see what ---------------------------------------------------------


@pytest.mark.parametrize("url", [billing_url, statement_url, csv_url])
def test_an_outsider_gets_404(
    charlie_client: Client, org: Organization, other_org: Organization, url: Any
) -> None:
    give_credits(org, invite=10)

    response = charlie_client.get(url(org))

    assert response.status_code == 404


@pytest.mark.parametrize("url", [billing_url, statement_url, csv_url])
def test_anonymous_visitors_are_sent_to_log_in(client: Client, org: Organization, url: Any) -> None:
    response = client.get(url(org))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_members_see_the_billing_page_without_buy_controls(
    bob_client: Client, org: Organization
) -> None:
    response = bob_client.get(billing_url(org))

    assert response.status_code == 200
    assert response.context["can_buy"] is False
    assert "Bundle prices" in response.content.decode()


def test_owners_get_the_buy_controls(alice_client: Client, org: Organization) -> None:
    response = alice_client.get(billing_url(org))

    assert response.context["can_buy"] is True


def test_members_see_the_statement_and_can_export_it(
    bob_client: Client, org: Organization, history: dict[str, Any]
) -> None:
    assert bob_client.get(statement_url(org)).status_code == 200
    assert bob_client.get(csv_url(org)).status_code == 200


# --- Billing page ---------------------------------------------------------------


def test_the_billing_page_shows_both_balances(alice_client: Client, org: Organization) -> None:
    give_credits(org, portal=12, invite=340)

    html = alice_client.get(billing_url(org)).content.decode()

    assert '<span class="value">12</span>' in html
    assert '<span class="value">340</span>' in html
    assert "Running low" not in html
    assert "left." not in html


def test_the_billing_page_warns_when_a_balance_is_empty_or_low(
    alice_client: Client, org: Organization
) -> None:
    give_credits(org, invite=2)

    html = alice_client.get(billing_url(org)).content.decode()

    assert "No portal credits left." in html
    # Buying online is off here: the way out is a request, not a purchase.
    assert "until you get more (request credits below)" in html
    assert "buy a bundle" not in html
    assert "Running low:</strong> only 2 invite credits left." in html


def test_with_stripe_the_empty_balance_says_buy_a_bundle(
    alice_client: Client, org: Organization, settings: Any
) -> None:
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    html = alice_client.get(billing_url(org)).content.decode()
    assert "until you buy a bundle" in html


def test_the_billing_page_lists_bundle_prices_per_credit_with_savings(
    alice_client: Client, org: Organization
) -> None:
    html = alice_client.get(billing_url(org)).content.decode()

    assert 'id="bundles"' in html
    assert "100 portal credits" in html
    assert "€1,100.00" in html
    assert "€11.00" in html
    assert "Save 42%" in html
    assert "5,000 invite credits" in html
    assert "€0.12" in html


def test_the_billing_page_lists_purchases_newest_first_and_the_latest_entries(
    alice_client: Client, org: Organization, history: dict[str, Any], alice: Any
) -> None:
    older = Purchase.objects.create(
        organization=org,
        buyer=alice,
        kind="portal",
        credits=5,
        unit_price=Decimal("19"),
        total_price=Decimal("95.00"),
        currency="EUR",
    )
    Purchase.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))

    response = alice_client.get(billing_url(org))

    purchases = response.context["purchases"]
    assert [p.pk for p in purchases] == [history["purchase"].pk, older.pk]
    rows = response.context["recent_rows"]
    assert rows[0].entry.pk == history["generated"].pk
    assert reverse("credits:statement", args=[org.slug]) in response.content.decode()


def test_the_billing_page_never_lists_another_organizations_purchases(
    alice_client: Client, org: Organization, other_org: Organization, charlie: Any
) -> None:
    Purchase.objects.create(
        organization=other_org,
        buyer=charlie,
        kind="portal",
        credits=5,
        unit_price=Decimal("19"),
        total_price=Decimal("95.00"),
        currency="EUR",
    )

    response = alice_client.get(billing_url(org))

    assert response.context["purchases"] == []


# --- Statement -----------------------------------------------------------------


def test_the_statement_lists_every_entry_newest_first_and_explains_it(
    alice_client: Client, org: Organization, history: dict[str, Any], portal: Any
) -> None:
    response = alice_client.get(statement_url(org))

    rows = response.context["rows"]
    assert [row.entry.pk for row in rows][:2] == [
        history["generated"].pk,
        history["assigned"].pk,
    ]
    assert len(rows) == 4
    generated, assigned, granted, bought = rows
    assert generated.reference == "3 invites by Galerie Nord"
    assert assigned.reference == "Portal Galerie Nord"
    assert assigned.reference_url == reverse(
        "portals:portal_detail", args=[org.slug, portal.public_id]
    )
    assert bought.reference == f"Purchase {history['purchase'].public_id}"
    assert bought.reference_url == reverse(
        "billing:purchase", args=[org.slug, history["purchase"].public_id]
    )
    assert (bought.actor, granted.actor) == ("alice@example.com", "System")
    html = response.content.decode()
    assert '<span class="negative">\u22123</span>' in html
    assert '<span class="positive">+100</span>' in html
    assert "100 credits for 30.00 EUR" in html


def test_an_invite_batch_without_a_portal_names_the_organizer(
    alice_client: Client, org: Organization, event: Any, alice: Any
) -> None:
    give_credits(org, invite=5)
    batch = InviteBatch.objects.create(
        organization=org, event=event, method=InviteBatch.Method.SINGLE, size=1, created_by=alice
    )
    consume(org, CreditKind.INVITE, 1, invite_batch=batch, actor=alice)

    rows = alice_client.get(statement_url(org)).context["rows"]

    assert rows[0].reference == "1 invite by alice@example.com"


def test_the_statement_filters_by_kind_and_reason(
    alice_client: Client, org: Organization, history: dict[str, Any]
) -> None:
    by_kind = alice_client.get(statement_url(org, "?kind=portal")).context["rows"]
    by_reason = alice_client.get(statement_url(org, "?reason=purchase")).context["rows"]
    both = alice_client.get(statement_url(org, "?kind=portal&reason=purchase")).context["rows"]

    assert [row.entry.kind for row in by_kind] == ["portal", "portal"]
    assert [row.entry.pk for row in by_reason] == [history["bought"].pk]
    assert both == []


def test_the_statement_filters_by_date_range(
    alice_client: Client, org: Organization, history: dict[str, Any]
) -> None:
    today = timezone.now().date()
    tomorrow = today + timedelta(days=1)

    today_rows = alice_client.get(statement_url(org, f"?date_from={today}&date_to={today}"))
    later_rows = alice_client.get(statement_url(org, f"?date_from={tomorrow}"))

    assert len(today_rows.context["rows"]) == 4
    assert later_rows.context["rows"] == []
    assert "No entries match these filters" in later_rows.content.decode()


def test_a_backwards_date_range_is_shown_next_to_the_field(
    alice_client: Client, org: Organization, history: dict[str, Any]
) -> None:
    response = alice_client.get(statement_url(org, "?date_from=2026-05-02&date_to=2026-05-01"))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "date_to": ["The end date is before the start date."]
    }
    assert response.context["rows"] == []


def test_an_unknown_kind_is_a_field_error_not_a_crash(
    alice_client: Client, org: Organization
) -> None:
    response = alice_client.get(statement_url(org, "?kind=gold&date_from=yesterday"))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"kind", "date_from"}


def test_the_statement_never_shows_another_organizations_entries(
    alice_client: Client, org: Organization, other_org: Organization
) -> None:
    give_credits(other_org, portal=9)

    response = alice_client.get(statement_url(org))

    assert response.context["rows"] == []
    assert "No credit activity yet" in response.content.decode()


def test_the_statements_query_count_does_not_grow_with_its_rows(
    alice_client: Client, org: Organization, event: Any, group: Any, alice: Any
) -> None:

    def add_rows(count: int) -> None:
        give_credits(org, portal=count, invite=count)
        for number in range(count):
            portal = make_portal(
                organization=org, group=group, name=f"Portal {count}.{number}", allocation=5
            )
            consume(org, "portal", 1, portal=portal, actor=alice, reason="portal_assignment")
            batch = InviteBatch.objects.create(
                organization=org, event=event, portal=portal, method="paste", size=1
            )
            consume(org, "invite", 1, invite_batch=batch)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(statement_url(org)).status_code == 200
        return len(captured)

    queries()  # the first request of a session does its own bookkeeping
    add_rows(2)
    few = queries()
    add_rows(20)
    many = queries()

    assert many == few


# --- CSV export --------------------------------------------------------------------


def test_the_csv_export_has_every_entry_with_the_same_words(
    alice_client: Client, org: Organization, history: dict[str, Any]
) -> None:
    rows = read_csv(alice_client.get(csv_url(org)))

    assert rows[0] == [
        "Date (UTC)",
        "Credits",
        "Reason",
        "Credits in",
        "Credits out",
        "Balance after",
        "Reference",
        "By",
        "Memo",
    ]
    assert len(rows) == 5
    assert rows[1][1:8] == [
        "Invite credits",
        "Invites generated",
        "0",
        "3",
        "97",
        "3 invites by Galerie Nord",
        "System",
    ]
    assert rows[4][6:9] == [
        f"Purchase {history['purchase'].public_id}",
        "alice@example.com",
        "100 credits for 30.00 EUR",
    ]


def test_the_csv_export_applies_the_filters(
    alice_client: Client, org: Organization, history: dict[str, Any]
) -> None:
    rows = read_csv(alice_client.get(csv_url(org, "?kind=portal")))

    assert [row[1] for row in rows[1:]] == ["Portal credits", "Portal credits"]


def test_the_csv_export_neutralises_formulas(alice_client: Client, org: Organization) -> None:
    with transaction.atomic():
        ledger.grant(
            org,
            "invite",
            5,
            reason="adjustment",
            idempotency_key="formula",
            memo='=HYPERLINK("http://evil.example","Refund")',
        )
        ledger.adjust(org, "invite", 1, idempotency_key="formula-2", memo="@SUM(A1)")
        ledger.adjust(org, "invite", 1, idempotency_key="formula-3", memo="+1\t-1")

    rows = read_csv(alice_client.get(csv_url(org)))

    memos = [row[8] for row in rows[1:]]
    assert memos == ["'+1\t-1", "'@SUM(A1)", '\'=HYPERLINK("http://evil.example","Refund")']
    assert all(
        not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row
    )


def test_the_csv_is_a_named_download(alice_client: Client, org: Organization) -> None:
    response = alice_client.get(csv_url(org))

    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{org.slug}-credit-statement-'
    )


# --- The credits icon ------------------------------------------------------------


def panel(org: Organization, portal: int, invite: int) -> str:
    return render_to_string(
        "credits/_credits_panel.html",
        {
            "current_organization": org,
            "credit_balances": ledger.Balances(portal=portal, invite=invite),
            "low_credit_threshold": 3,
        },
    )


def test_the_credits_panel_shows_both_balances_and_links_to_bundle_prices(
    org: Organization,
) -> None:
    html = panel(org, 14, 480)

    assert "<dd>14</dd>" in html
    assert "<dd>480</dd>" in html
    assert f'href="{billing_url(org)}#bundles"' in html
    assert "alert" not in html


def test_the_credits_panel_warns_when_credits_are_low_or_gone(org: Organization) -> None:
    assert "Running low</strong> on invite credits" in panel(org, 14, 2)
    assert "No portal credits left." in panel(org, 0, 200)
    assert "No invite credits left." in panel(org, 4, 0)
    assert "No credits left." in panel(org, 0, 0)


def test_the_header_chip_shows_balances_and_marks_low_ones(
    alice_client: Client, org: Organization
) -> None:
    give_credits(org, portal=1, invite=90)

    html = alice_client.get(billing_url(org)).content.decode()

    chip = html[html.index('class="credits-chip') : html.index("</a>", html.index("credits-chip"))]
    assert '<span class="low">1</span> portal</span>' in chip
    assert '<span class="">90</span> invites</span>' in chip
    assert "running low" in chip


def test_owner_actions_name_the_portal_owner_and_times_carry_their_zone(
    alice_client: Client, org: Organization, group: Any
) -> None:
    give_credits(org, portal=1, invite=5)
    portal = make_portal(group=group, name="Galerie Süd", allocation=5)
    claim_portal(portal, email="owner@galerie-sued.example")
    portal.refresh_from_db()
    generate_invites(portal, [GuestInput(name="Ada", email="ada@example.com")], method="single")

    response = alice_client.get(statement_url(org))

    generated, claimed, *_ = response.context["rows"]
    assert generated.actor == "owner@galerie-sued.example (portal owner)"
    assert claimed.actor == "owner@galerie-sued.example (portal owner)"
    html = response.content.decode()
    assert html.count("owner@galerie-sued.example (portal owner)") == 2
    assert "UTC</span>" in html
