"""After importing 150 exhibitors the organizer emails every unclaimed portal its
link in one action and watches the emails go (portals/bulk_views.py), on a
desktop and on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from deliveries.models import Delivery
from tests.browser.conftest import serious_accessibility_violations
from tests.conftest import make_portal

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/f2-shots")


def _fits(page) -> None:
    assert serious_accessibility_violations(page) == []
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1


def _save(page, shot, name: str) -> None:
    shot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(SHOTS / f"{name}-top.png"))


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_organizer_emails_150_portals_their_links_at_once(
    live_server, page, sign_in, shot, org, alice, group, viewport
):
    for n in range(150):
        make_portal(
            group=group, name=f"Galerie {n:03d}", allocation=5, contact_email=f"g{n}@example.org"
        )
    make_portal(group=group, name="Studio Without Email", allocation=5)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    sign_in(page, alice)
    page.goto(live_server.url + reverse("portals:group_detail", args=[org.slug, group.public_id]))
    page.get_by_role("link", name="Email links").click()

    expect(page.get_by_role("heading", name="150 unclaimed portals to email")).to_be_visible()
    expect(page.locator("#no-contact")).to_contain_text("Studio Without Email")
    _fits(page)
    _save(page, shot, f"bulk-links-{viewport[0]}")

    page.get_by_label("All 150 unclaimed portals").check()
    page.get_by_role("button", name="Email the link").click()

    expect(page.get_by_role("status").filter(has_text="of 150 sent")).to_have_text(
        "150 of 150 sent", timeout=30_000
    )
    expect(page.get_by_text("150 emails on the way.")).to_be_visible()
    expect(page.get_by_text("Skipped 1 portal without a contact email")).to_be_visible()
    _fits(page)
    _save(page, shot, f"bulk-links-progress-{viewport[0]}")
    assert len(mail.outbox) == 150
    assert Delivery.objects.filter(status="sent").count() == 150

    # A second click a moment later emails nobody twice.
    page.go_back()
    page.reload()
    page.get_by_label("All 150 unclaimed portals").check()
    page.get_by_role("button", name="Email the link").click()
    expect(
        page.get_by_text("All 150 selected portals were emailed in the last few minutes")
    ).to_be_visible()
    assert len(mail.outbox) == 150
