"""Issue 14's "Done means", walked as one fair in Chromium.

An organizer imports 150 exhibitors from a CSV, emails every link at once,
finds one exhibitor by name once the group holds 2,000; that exhibitor claims
the portal from the emailed link, imports a guest CSV skipping its bad rows,
and later opens the bookmarked portal page on a new device and signs back in
with an emailed code. Then a new organization without Stripe requests credits
and an operator grants them. Every key page is photographed at 1280 and at
390 px (test-artifacts/screenshots/<test>/), and at 390 px must not scroll
sideways.

The database is written only to build the 1,850 other portals and the
operator, and read only to check what the pages claim.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from credits.ledger import balances
from invites.models import Invite
from organizations.models import Organization
from portals.models import Portal
from tests.browser.conftest import serious_accessibility_violations
from tests.conftest import give_credits

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "a long and unusual passphrase 42"
OWNER = "mia@galerie042.example"

EXHIBITORS = (
    "name,allocation,contact_email\n"
    + "".join(f"Galerie {n:03d},20,desk@galerie{n:03d}.example\n" for n in range(150))
).encode()

GUESTS = (
    "name,email,company\n"
    + "".join(f"Collector {n},collector{n}@example.com,Firm {n}\n" for n in range(1, 9))
    + "Max Bauer,max(at)example,Bauer AG\n"
    + "Copy,COLLECTOR1@example.com,\n"
).encode()


def at_both_widths(page: Any, shot: Any, name: str) -> None:
    """Photograph the page at 1280 px and at 390 px; on the phone it must not
    scroll sideways. The page is left at 1280 px."""
    page.set_viewport_size(DESKTOP)
    shot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    shot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow} px at 390 px"


def read_download(download: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))


def add_the_other_1850_exhibitors(group: Any) -> None:
    Portal.objects.bulk_create(
        Portal(
            organization=group.organization,
            group=group,
            name=f"Stand {n:04}",
            allocation=5,
            contact_email=f"desk@stand{n}.example",
        )
        for n in range(1850)
    )


def test_150_exhibitors_imported_emailed_found_among_2000_and_one_recovers_its_bookmark(
    live_server, page, new_page, sign_in, shot, mailoutbox, org, alice, event, group
):
    give_credits(org, portal=5, invite=100)
    sign_in(page, alice)
    group_url = live_server.url + reverse("portals:group_detail", args=[org.slug, group.public_id])

    # 1. The organizer imports 150 exhibitors through the import page and its preview.
    page.goto(group_url)
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "exhibitors.csv", "mimeType": "text/csv", "buffer": EXHIBITORS}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.get_by_text("All 150 rows look right.")).to_be_visible()
    at_both_widths(page, shot, "import-preview")
    page.get_by_role("button", name="Create 150 portals").click()
    expect(page.get_by_text("150 portals created.")).to_be_visible()
    expect(page.get_by_text("150 portals, by name")).to_be_visible()
    at_both_widths(page, shot, "group-150")
    imported = {p.contact_email: p for p in Portal.objects.filter(group=group)}
    assert len(imported) == 150

    # 2. ...and emails every unclaimed portal its link in one action.
    page.get_by_role("link", name="Email links").click()
    expect(page.get_by_role("heading", name="150 unclaimed portals to email")).to_be_visible()
    at_both_widths(page, shot, "bulk-links")
    page.get_by_label("All 150 unclaimed portals").check()
    page.get_by_role("button", name="Email the link").click()
    expect(page.get_by_role("status").filter(has_text="of 150 sent")).to_have_text(
        "150 of 150 sent", timeout=30_000
    )
    expect(page.get_by_text("150 emails on the way.")).to_be_visible()
    at_both_widths(page, shot, "bulk-links-done")
    links = {message.to[0]: message.body for message in mailoutbox}
    assert len(mailoutbox) == 150 and set(links) == set(imported)
    for contact, portal in imported.items():
        # Each contact gets its own portal's link, and no other.
        assert re.findall(r"http\S+/p/\S+/", links[contact]) == [live_server.url + portal.path]

    # 3. With 2,000 exhibitors in the group, the organizer finds one by name.
    add_the_other_1850_exhibitors(group)
    page.goto(group_url)
    rows = page.locator("table.portal-table tbody tr")
    expect(page.get_by_text("2,000 portals, by name")).to_be_visible()
    expect(rows).to_have_count(50)
    # The overview's numbers are written for people too: 150 x 20 + 1,850 x 5 invites.
    overview = page.locator(".group-overview")
    expect(overview).to_contain_text("Portals: 0 assigned, 2,000 unassigned")
    expect(overview).to_contain_text("0 / 12,250")
    at_both_widths(page, shot, "group-2000")
    page.get_by_label("Search").fill("galerie 04")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("10 of 2,000 portals match")).to_be_visible()
    expect(rows).to_have_count(10)
    page.get_by_label("Search").fill("Galerie 042")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 of 2,000 portals match")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows.get_by_role("link", name="Galerie 042")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    at_both_widths(page, shot, "group-search")

    # 4. The exhibitor claims Galerie 042 from the emailed link...
    galerie = imported["desk@galerie042.example"]
    emailed_link = re.search(r"http\S+/p/\S+/", links["desk@galerie042.example"]).group()
    exhibitor = new_page()
    exhibitor.goto(emailed_link)
    at_both_widths(exhibitor, shot, "claim")
    exhibitor.get_by_label("Your email address").fill(OWNER)
    exhibitor.get_by_role("button", name="Claim this portal").click()
    exhibitor.get_by_role("link", name="Add your first invites").click()
    bookmark = live_server.url + reverse("owner:dashboard", args=[galerie.public_id])

    # ...imports a guest CSV with 2 bad rows of 10, downloads the skipped ones...
    upload = exhibitor.locator("section#csv")
    upload.get_by_label("CSV file").set_input_files(
        files=[{"name": "guests.csv", "mimeType": "text/csv", "buffer": GUESTS}]
    )
    upload.get_by_role("button", name="Preview").click()
    expect(exhibitor.get_by_text("2 rows need fixing.")).to_be_visible()
    expect(exhibitor.get_by_text("Creates 8 invites from your allocation.")).to_be_visible()
    importing = exhibitor.get_by_role("button", name="Import the 8 valid rows, skip 2")
    expect(importing).to_be_visible()
    expect(exhibitor.get_by_role("link", name="Fix and upload again")).to_be_visible()
    at_both_widths(exhibitor, shot, "guest-csv-preview")
    with exhibitor.expect_download() as downloaded:
        exhibitor.get_by_role("link", name="Download the 2 skipped rows").click()
    assert read_download(downloaded.value) == [
        ["name", "email", "company", "error"],
        [
            "Max Bauer",
            "max(at)example",
            "Bauer AG",
            "'max(at)example' is not a valid email address.",
        ],
        ["Copy", "COLLECTOR1@example.com", "", "COLLECTOR1@example.com is already on line 2."],
    ]
    assert Invite.objects.count() == 0 and balances(org).invite == 100

    # ...and imports the 8 valid rows: they are on the dashboard, and only they cost a credit.
    importing.click()
    expect(exhibitor.get_by_text("8 invites created.")).to_be_visible()
    expect(exhibitor.get_by_text("2 rows with problems were skipped")).to_be_visible()
    exhibitor.goto(bookmark)
    guests = exhibitor.locator("section[aria-labelledby=invites-heading] tbody tr")
    expect(guests).to_have_count(8)
    for n in range(1, 9):
        expect(guests.filter(has_text=f"collector{n}@example.com")).to_have_count(1)
    expect(exhibitor.get_by_text("Max Bauer")).to_have_count(0)
    at_both_widths(exhibitor, shot, "dashboard-8-guests")
    assert balances(org).invite == 92
    assert Invite.objects.filter(portal=galerie).count() == 8

    # 5. On a new device (no cookies) the bookmarked portal page asks for a code.
    device = new_page()
    device.goto(bookmark)
    expect(
        device.get_by_role("heading", name="Sign in to this portal — we'll email a code")
    ).to_be_visible()
    at_both_widths(device, shot, "bookmark-sign-in")
    device.get_by_label("The email address you claimed the portal with").fill(OWNER)
    device.get_by_role("button", name="Email me a code").click()
    expect(device.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    at_both_widths(device, shot, "bookmark-code")
    [code_email] = [m for m in mailoutbox if m.to == [OWNER] and "code" in m.subject.lower()]
    code = re.search(r"\b(\d{6})\b", code_email.body)
    assert code, code_email.body
    device.get_by_label("6-digit code").fill(code.group(1))
    device.get_by_role("button", name="Sign in").click()
    expect(device.get_by_role("link", name="Add invites")).to_be_visible()
    assert device.url == bookmark
    expect(device.locator("section[aria-labelledby=invites-heading] tbody tr")).to_have_count(8)
    at_both_widths(device, shot, "bookmark-dashboard")


def test_a_new_organization_without_stripe_requests_credits_and_gets_them(
    live_server, page, new_page, sign_in, shot, mailoutbox, settings
):
    settings.STRIPE_SECRET_KEY = ""
    settings.ADMINS = [("Ops", "ops@artsvp.example")]
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Email").fill("nora@new-fair.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Organization name").fill("New Fair")
    page.get_by_role("button", name="Create organization").click()
    organization = Organization.objects.get(name="New Fair")

    # 6. The billing page offers a request, not operator instructions.
    page.goto(live_server.url + reverse("billing:billing", args=[organization.slug]))
    card = page.locator("#request-credits")
    expect(card).to_contain_text("Buying online isn\u2019t available yet — request credits")
    expect(page.get_by_text("STRIPE_SECRET_KEY")).to_have_count(0)
    invite_balance = page.locator(".balance-card").filter(has_text="Invite credit")
    expect(invite_balance.locator(".value")).to_have_text("0")
    at_both_widths(page, shot, "billing-request")
    card.get_by_label("Credits").select_option(label="Invite credits")
    card.get_by_label("How many").fill("500")
    card.get_by_label("Note for the operators").fill("For our spring edition")
    card.get_by_role("button", name="Request credits").click()
    expect(page.get_by_text("Request sent: 500 invite credits.")).to_be_visible()
    expect(page.locator("table.credit-requests")).to_contain_text("Open")
    at_both_widths(page, shot, "billing-requested")
    [to_operators] = [m for m in mailoutbox if m.to == ["ops@artsvp.example"]]
    assert "For our spring edition" in to_operators.body

    # An operator grants it with one action in the admin.
    operator = get_user_model().objects.create_superuser(
        username="ops", email="ops@artsvp.example", password="x"
    )
    admin = new_page()
    sign_in(admin, operator)
    admin.goto(live_server.url + "/admin/billing/creditrequest/")
    admin.locator("input.action-select").first.check()
    admin.locator("select[name=action]").select_option("grant_selected")
    admin.get_by_role("button", name="Go").click()
    expect(admin.get_by_text("1 request granted.")).to_be_visible()
    shot(admin, "admin-granted-1280")

    # The requester is told by email and sees the new balance.
    [told] = [m for m in mailoutbox if m.to == ["nora@new-fair.example"] and "arrived" in m.subject]
    assert "500 invite credits" in told.subject
    page.reload()
    expect(invite_balance.locator(".value")).to_have_text("500")
    expect(page.locator("table.credit-requests")).to_contain_text("Granted")
    at_both_widths(page, shot, "billing-granted")
    assert balances(organization).invite == 500
