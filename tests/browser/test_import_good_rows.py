"""A CSV with 2 bad rows of 10, in a real browser: the good rows import, the
skipped ones download with their errors; the preview's actions stay visible on
a phone and the page does not scroll sideways."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from invites.models import Invite
from portals.models import Portal
from tests.browser.conftest import serious_accessibility_violations
from tests.conftest import give_credits
from tests.invites.helpers import balance

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/f3-shots")
VIEWPORTS = [(1280, 900), (390, 844)]

GUESTS = (
    "name,email,company\n"
    + "".join(f"Guest {n},guest{n}@example.com,Firm {n}\n" for n in range(1, 9))
    + "Max Bauer,max(at)example,Bauer AG\n"
    + "Copy,GUEST1@example.com,\n"
).encode()

PORTALS = (
    "name,allocation,contact_email\n"
    + "".join(f"Gallery {n},{n},gallery{n}@example.com\n" for n in range(1, 9))
    + ",4,nameless@example.com\n"
    + "Kunsthalle West,3,not-an-email\n"
).encode()


def screenshot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1


def read_download(download) -> list[list[str]]:
    return list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_a_guest_csv_imports_its_8_good_rows_and_the_2_skipped_download(
    live_server, page, sign_in, org, alice, event, viewport
):
    give_credits(org, invite=100)
    width = viewport[0]
    page.set_viewport_size({"width": width, "height": viewport[1]})
    sign_in(page, alice)
    page.goto(live_server.url + reverse("invites:organizer_generate", args=[org.slug, event.slug]))
    upload = page.locator("section#csv")
    upload.get_by_label("CSV file").set_input_files(
        files=[{"name": "guests.csv", "mimeType": "text/csv", "buffer": GUESTS}]
    )
    upload.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", name="Check your CSV")).to_be_visible()
    expect(page.get_by_text("2 rows need fixing.")).to_be_visible()
    expect(page.get_by_text("Creates 8 invites and uses 8 invite credits.")).to_be_visible()
    importing = page.get_by_role("button", name="Import the 8 valid rows, skip 2")
    expect(importing).to_be_visible()
    expect(page.get_by_role("link", name="Fix and upload again")).to_be_visible()
    screenshot(page, f"guest-preview-{width}")
    no_sideways_scroll(page)
    assert serious_accessibility_violations(page) == []

    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Download the 2 skipped rows").click()
    assert read_download(downloaded.value) == [
        ["name", "email", "company", "error"],
        [
            "Max Bauer",
            "max(at)example",
            "Bauer AG",
            "'max(at)example' is not a valid email address.",
        ],
        ["Copy", "GUEST1@example.com", "", "GUEST1@example.com is already on line 2."],
    ]
    assert Invite.objects.count() == 0

    importing.click()
    expect(page.get_by_text("8 invites created.")).to_be_visible()
    expect(page.get_by_text("2 rows with problems were skipped")).to_be_visible()
    screenshot(page, f"guest-imported-{width}")
    assert Invite.objects.count() == 8 and balance(org) == 92


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_a_portal_csv_imports_its_8_good_rows_and_the_2_skipped_download(
    live_server, page, sign_in, org, alice, group, viewport
):
    width = viewport[0]
    page.set_viewport_size({"width": width, "height": viewport[1]})
    sign_in(page, alice)
    page.goto(live_server.url + reverse("portals:portal_import", args=[org.slug, group.public_id]))
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "exhibitors.csv", "mimeType": "text/csv", "buffer": PORTALS}]
    )
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.get_by_text("2 of 10 rows have problems.")).to_be_visible()
    importing = page.get_by_role("button", name="Import the 8 valid rows, skip 2")
    expect(importing).to_be_visible()
    expect(page.get_by_role("link", name="Fix and upload again")).to_be_visible()
    screenshot(page, f"portal-preview-{width}")
    no_sideways_scroll(page)
    assert serious_accessibility_violations(page) == []

    with page.expect_download() as downloaded:
        page.get_by_role("button", name="Download the 2 skipped rows").click()
    assert read_download(downloaded.value) == [
        ["name", "allocation", "contact_email", "error"],
        ["", "4", "nameless@example.com", "The name is missing."],
        ["Kunsthalle West", "3", "not-an-email", "“not-an-email” is not a valid email address."],
    ]

    importing.click()
    expect(page.get_by_text("8 portals created.")).to_be_visible()
    expect(page.get_by_text("2 rows with problems were skipped")).to_be_visible()
    screenshot(page, f"portal-imported-{width}")
    assert Portal.objects.filter(group=group).count() == 8
