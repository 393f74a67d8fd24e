"""The exhibitor's dashboard and the credit statement page with Next and
Previous in a real browser: the filter stays on, the rows change, the first
page comes back; both fit a phone."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from playwright.sync_api import expect

from credits import ledger
from credits.models import CreditEntry, CreditKind
from invites.models import Invite, InviteBatch
from tests.conftest import give_credits
from tests.invites.helpers import assign, owner_client

pytestmark = pytest.mark.django_db(transaction=True)


def sideways_overflow(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_an_exhibitor_pages_through_their_accepted_guests(
    live_server, browser, shot, org, event, portal, width
):
    owned = assign(portal)
    batch = InviteBatch.objects.create(
        organization=org, event=event, portal=owned, method="paste", size=80
    )
    Invite.objects.bulk_create(
        Invite(
            organization=org,
            event=event,
            batch=batch,
            portal=owned,
            guest_name=f"Guest {n:03}",
            guest_email=f"guest{n}@example.com",
            status=Invite.Status.ACCEPTED if n % 4 else Invite.Status.CREATED,
        )
        for n in range(80)
    )
    session = owner_client(owned).cookies[settings.SESSION_COOKIE_NAME]
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies([{"name": session.key, "value": session.value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + reverse("owner:dashboard", args=[owned.public_id]))
        page.get_by_label("State").select_option("accepted")
        page.get_by_role("button", name="Filter").click()
        # One invite link per row, whatever shape the rows take.
        rows = page.locator("input[id^='link-']")
        expect(rows).to_have_count(50)
        expect(page.get_by_label("State")).to_have_value("accepted")
        shot(page, f"dashboard-first-{width}")
        page.get_by_role("link", name="Next").click()
        # 60 accepted of 80: ten on the second page, every one accepted.
        expect(rows).to_have_count(10)
        expect(page.get_by_label("State")).to_have_value("accepted")
        expect(page.get_by_role("link", name="Next")).to_have_count(0)
        assert sideways_overflow(page) <= 0
        shot(page, f"dashboard-second-{width}")
        page.get_by_role("link", name="Previous").click()
        expect(rows).to_have_count(50)
        expect(page.get_by_role("link", name="Previous")).to_have_count(0)
        page.goto(page.url + "&cursor=oops")
        expect(page.get_by_text("That page link could not be read")).to_be_visible()
        expect(rows).to_have_count(50)
        shot(page, f"dashboard-bad-cursor-{width}")
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_an_organizer_pages_through_a_filtered_statement(
    live_server, page, sign_in, shot, org, alice, width
):
    give_credits(org, portal=100, invite=100)
    for _ in range(55):
        for kind in (CreditKind.INVITE, CreditKind.PORTAL):
            with transaction.atomic():
                ledger.consume(
                    org,
                    kind,
                    1,
                    reason=CreditEntry.Reason.INVITE_GENERATION,
                    idempotency_key=f"test:{uuid.uuid4().hex}",
                )
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, alice)

    page.goto(live_server.url + reverse("credits:statement", args=[org.slug]))
    page.get_by_label("Credits").select_option("invite")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.statement tbody tr")
    expect(rows).to_have_count(50)
    expect(page.get_by_text("56 entries match these filters.")).to_be_visible()
    page.get_by_role("link", name="Next").click()
    expect(rows).to_have_count(6)
    expect(page.get_by_label("Credits")).to_have_value("invite")
    expect(page.get_by_text("56 entries match these filters.")).to_be_visible()
    assert sideways_overflow(page) <= 0
    shot(page, f"statement-second-{width}")
    page.get_by_role("link", name="Previous").click()
    expect(rows).to_have_count(50)

    page.goto(live_server.url + reverse("credits:statement", args=[org.slug]) + "?cursor=oops")
    expect(
        page.get_by_text("That page link could not be read: this is the first page.")
    ).to_be_visible()
    shot(page, f"statement-bad-cursor-{width}")
