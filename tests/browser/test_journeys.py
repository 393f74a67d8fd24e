"""The main journeys of the product spec, end to end in Chromium.

Each journey drives the pages a person would use; the database is read only
to check what the pages claim (balances, who owns a portal, what a CSV holds).
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from credits.ledger import Balances, balances
from credits.models import CreditEntry
from deliveries.models import Delivery
from events.models import Event
from invites.models import Invite
from organizations.models import Organization
from portals.models import Portal, PortalGroup
from tests.browser.conftest import serious_accessibility_violations
from tests.conftest import give_credits
from tests.deliveries.backends import sent_messages
from tests.deliveries.test_workers import (
    RedisServer,
    Workers,
    publishing_to,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long and unusual passphrase 42"
# A worker process takes a few seconds to boot on a busy 2-core machine.
SEND_TIMEOUT = 60


@pytest.fixture
def worker(tmp_path: Path, redis_server: RedisServer) -> Iterator[Workers]:
    """A real `celery worker` on the live server's database, mailing to files;
    this process publishes to its broker instead of running tasks eagerly."""
    pool = Workers(tmp_path, redis_server.url, tmp_path / "sent")
    pool.mail_dir.mkdir()
    try:
        with publishing_to(redis_server.url):
            pool.start("browser")
            yield pool
    finally:
        pool.kill_all()


def copy_link(page: Any, field_id: str) -> str:
    """Click the Copy button of a link field; return what reached the clipboard."""
    page.locator(f"#{field_id} + button[data-copy]").click()
    expect(page.locator(f"#{field_id} + button[data-copy]")).to_have_text("Copied")
    copied: str = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.locator(f"#{field_id}").input_value()
    return copied


def claim_with_one_guest(page: Any, portal_link: str) -> None:
    """The exhibitor's shortest way to an invite with an email address."""
    page.goto(portal_link)
    page.get_by_label("Your email address").fill("anna@galerie-nord.example")
    page.get_by_role("button", name="Claim this portal").click()
    page.get_by_role("link", name="Add your first invites").click()
    single = page.locator("section#single")
    single.get_by_label("Name").fill("Ada Lovelace")
    single.get_by_label("Email").fill("ada@example.com")
    single.get_by_role("button", name="Create invite").click()
    expect(page.get_by_text("1 invite created.")).to_be_visible()


def test_organizer_signs_up_and_sets_up_an_event_with_portals(live_server, page, shot, mailoutbox):
    # Sign up (allauth) and land on "create your organization".
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.get_by_label("Email").fill("olga@fair.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    shot(page, "signup")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="Create your organization")).to_be_visible()
    page.get_by_label("Organization name").fill("Basel Art Week")
    page.get_by_role("button", name="Create organization").click()
    organization = Organization.objects.get(name="Basel Art Week")
    expect(page.get_by_text(f"{organization.name} is ready.")).to_be_visible()
    expect(page.get_by_role("heading", name="No events yet")).to_be_visible()
    shot(page, "no-events-yet")

    # An event.
    page.get_by_role("link", name="Create an event").click()
    page.get_by_label("Name").fill("Spring Fair")
    page.get_by_label("Starts").fill("2031-05-01T11:00")
    page.get_by_label("Ends").fill("2031-05-04T19:00")
    page.get_by_label("Time zone").select_option("Europe/Zurich")
    page.get_by_label("Venue").fill("Messe Basel, Hall 2")
    shot(page, "event-form")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("heading", name="Spring Fair")).to_be_visible()
    event = Event.objects.get(organization=organization)
    assert event.timezone == "Europe/Zurich"
    assert event.starts_at.isoformat() == "2031-05-01T09:00:00+00:00"

    # A portal group whose invites may bring one guest each.
    page.get_by_role("link", name="Add portal group").first.click()
    page.get_by_label("Name").fill("Exhibitors")
    page.get_by_label("Default invite allocation").fill("8")
    page.get_by_label("Default plus-ones").fill("1")
    page.get_by_label("Instructions for portal owners").fill("Invite your collectors by 1 May.")
    page.get_by_role("button", name="Create group").click()
    expect(page.get_by_role("heading", name=re.compile("^Exhibitors"))).to_be_visible()
    expect(page.get_by_role("heading", name="No portals yet")).to_be_visible()
    group = PortalGroup.objects.get(event=event)

    # One portal by hand...
    page.get_by_role("link", name="Add portal").first.click()
    page.get_by_label("Name").fill("Galerie Nord")
    page.get_by_label("Contact email").fill("hello@galerie-nord.example")
    page.get_by_role("button", name="Create portal", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^Galerie Nord"))).to_be_visible()
    shot(page, "portal-detail")
    nord = Portal.objects.get(group=group, name="Galerie Nord")
    assert nord.allocation == 8  # the group's default
    assert nord.status == Portal.Status.UNASSIGNED

    # Email its link to the contact (tasks run in-process here).
    page.get_by_role("button", name="Email the link").click()
    expect(
        page.get_by_text("The portal's link is on its way to hello@galerie-nord.example.")
    ).to_be_visible()
    [link_email] = [email for email in mailoutbox if email.to == ["hello@galerie-nord.example"]]
    assert live_server.url + nord.path in link_email.body

    # ...and three more from a CSV, checked on a preview before anything is saved.
    page.goto(f"{live_server.url}/o/{organization.slug}/groups/{group.public_id}/portals/import/")
    page.get_by_label("CSV file").set_input_files(
        files=[
            {
                "name": "exhibitors.csv",
                "mimeType": "text/csv",
                "buffer": (
                    "name,allocation,contact_email\n"
                    "Studio Aalto,5,studio@aalto.example\n"
                    "Kunsthalle Ost,,\n"
                    "Galerie Süd,12,info@sued.example\n"
                ).encode(),
            }
        ]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.get_by_text("All 3 rows look right")).to_be_visible()
    assert Portal.objects.filter(group=group).count() == 1
    shot(page, "portal-import-preview")
    page.get_by_role("button", name="Create 3 portals").click()

    expect(page.get_by_role("heading", name=re.compile("^Exhibitors"))).to_be_visible()
    rows = page.locator("table.portal-table tbody tr")
    expect(rows).to_have_count(4)
    allocations = dict(Portal.objects.filter(group=group).values_list("name", "allocation"))
    assert allocations == {
        "Galerie Nord": 8,
        "Studio Aalto": 5,
        "Kunsthalle Ost": 8,
        "Galerie Süd": 12,
    }
    shot(page, "group-with-portals")

    # Copy a portal's secret link: the clipboard holds the link that claims it.
    aalto = Portal.objects.get(group=group, name="Studio Aalto")
    expect(page.get_by_role("button", name="Copy the link of Studio Aalto")).to_be_visible()
    assert copy_link(page, f"link-{aalto.public_id}") == live_server.url + aalto.path

    # No credit was used by creating four portals.
    assert balances(organization).portal == 0
    assert not CreditEntry.objects.filter(account__organization=organization).exists()


def test_granted_credits_show_on_the_billing_page_and_statement(
    live_server, page, shot, org, alice, sign_in
):
    # Stripe Checkout cannot be reached from here (tests/billing covers it);
    # an operator's grant goes through the same ledger.
    call_command("grant_credits", org.slug, "portal", "10", reason="Welcome pack: portals")
    call_command("grant_credits", org.slug, "invite", "250", reason="Welcome pack: invites")
    sign_in(page, alice)

    page.goto(f"{live_server.url}/o/{org.slug}/settings/billing/")
    expect(page.get_by_role("heading", name="Billing and credits")).to_be_visible()
    expect(page.locator(".balance-card").nth(0).locator(".value")).to_have_text("10")
    expect(page.locator(".balance-card").nth(0)).to_contain_text("Portal credits")
    expect(page.locator(".balance-card").nth(1).locator(".value")).to_have_text("250")
    expect(page.locator(".balance-card").nth(1)).to_contain_text("Invite credits")
    shot(page, "billing")

    page.get_by_role("link", name="View statement").click()
    expect(page.get_by_role("heading", name="Credit statement")).to_be_visible()
    rows = page.locator("table.statement tbody tr")
    expect(rows).to_have_count(2)
    # Newest first.
    expect(rows.nth(0)).to_contain_text("Invite credits")
    expect(rows.nth(0)).to_contain_text("+250")
    expect(rows.nth(0)).to_contain_text("Welcome pack: invites")
    expect(rows.nth(1)).to_contain_text("Portal credits")
    expect(rows.nth(1)).to_contain_text("+10")
    shot(page, "statement")
    assert balances(org) == Balances(portal=10, invite=250)


def test_exhibitor_claims_the_portal_invites_guests_and_a_guest_accepts(
    live_server, page, new_page, shot, org, alice, event, group, portal, sign_in
):
    give_credits(org, portal=2, invite=20)
    sign_in(page, alice)
    organizer = page

    # The organizer copies the portal's link from the group page...
    organizer.goto(f"{live_server.url}/o/{org.slug}/groups/{group.public_id}/")
    portal_link = copy_link(organizer, f"link-{portal.public_id}")
    assert portal_link == live_server.url + portal.path

    # ...and the exhibitor opens it on their own computer and claims the portal.
    exhibitor = new_page()
    exhibitor.goto(portal_link)
    expect(exhibitor.get_by_role("heading", name="Welcome, Galerie Nord")).to_be_visible()
    expect(exhibitor.get_by_text("Invite your collectors before 1 May.")).to_be_visible()
    shot(exhibitor, "claim")
    exhibitor.get_by_label("Your email address").fill("anna@galerie-nord.example")
    exhibitor.get_by_role("button", name="Claim this portal").click()
    expect(exhibitor.get_by_text("Your portal is ready.")).to_be_visible()
    expect(exhibitor.get_by_role("heading", name="Galerie Nord", exact=True)).to_be_visible()
    expect(exhibitor.get_by_role("heading", name="No invites yet")).to_be_visible()
    shot(exhibitor, "dashboard-empty")

    portal.refresh_from_db()
    assert portal.status == Portal.Status.ASSIGNED
    assert portal.owner_email == "anna@galerie-nord.example"
    assert balances(org) == Balances(portal=1, invite=20)
    # The organizer sees the owner and one portal credit fewer.
    organizer.reload()
    portal_row = organizer.locator("table.portal-table tbody tr").filter(has_text="Galerie Nord")
    expect(portal_row).to_contain_text("Assigned")
    expect(portal_row).to_contain_text("anna@galerie-nord.example")
    organizer.goto(f"{live_server.url}/o/{org.slug}/settings/billing/")
    expect(organizer.locator(".balance-card").nth(0).locator(".value")).to_have_text("1")
    expect(organizer.locator("table.statement tbody tr").first).to_contain_text("Portal assigned")

    # Invites, four ways: one guest...
    exhibitor.get_by_role("link", name="Add your first invites").click()
    expect(exhibitor.get_by_role("heading", name="Add invites")).to_be_visible()
    shot(exhibitor, "add-invites")
    single = exhibitor.locator("section#single")
    single.get_by_label("Name").fill("Ada Lovelace")
    single.get_by_label("Email").fill("ada@example.com")
    single.get_by_label("Tags").fill("VIP, collector")
    single.get_by_role("button", name="Create invite").click()
    expect(exhibitor.get_by_text("1 invite created.")).to_be_visible()

    # ...a pasted list...
    exhibitor.get_by_role("link", name="Add invites").click()
    paste = exhibitor.locator("section#paste")
    paste.get_by_label("Guests, one per line").fill(
        "Leo Berg, leo@example.com\nMia Roth, mia@example.com"
    )
    paste.get_by_role("button", name="Create invites").click()
    expect(exhibitor.get_by_text("2 invites created.")).to_be_visible()

    # ...a CSV, checked on a preview first...
    exhibitor.get_by_role("link", name="Add invites").click()
    upload = exhibitor.locator("section#csv")
    upload.get_by_label("CSV file").set_input_files(
        files=[
            {
                "name": "collectors.csv",
                "mimeType": "text/csv",
                "buffer": (
                    b"name,email,tags,company\n"
                    b"Noor Haddad,noor@example.com,press,Art Daily\n"
                    b"Otto Klee,otto@example.com,,\n"
                ),
            }
        ]
    )
    upload.get_by_role("button", name="Preview").click()
    expect(exhibitor.get_by_role("heading", name="Check your CSV")).to_be_visible()
    expect(exhibitor.get_by_role("heading", name="2 guests in the file")).to_be_visible()
    expect(exhibitor.locator("table tbody tr").first).to_contain_text("Art Daily")
    shot(exhibitor, "csv-preview")
    assert portal.invites.count() == 3
    exhibitor.get_by_role("button", name="Create 2 invites").click()
    expect(exhibitor.get_by_text("2 invites created.")).to_be_visible()

    # ...and blank links to hand out.
    exhibitor.get_by_role("link", name="Add invites").click()
    blank = exhibitor.locator("section#blank")
    blank.get_by_label("Number of blank links").fill("3")
    blank.get_by_role("button", name="Create blank links").click()
    expect(exhibitor.get_by_text("3 invites created.")).to_be_visible()

    # Allocation and invite credits went down by eight.
    rows = exhibitor.locator("table tbody tr")
    expect(rows).to_have_count(8)
    expect(exhibitor.locator(".portal-stats .stat").nth(0).locator(".value")).to_have_text(
        re.compile(r"^8\s*/\s*10$")
    )
    expect(exhibitor.locator(".portal-stats .stat").nth(1).locator(".value")).to_have_text("2")
    shot(exhibitor, "dashboard-with-invites")
    portal.refresh_from_db()
    assert portal.invites_used == 8
    assert balances(org) == Balances(portal=1, invite=12)

    # Copy one guest's link, as if to paste it into a message.
    ada = portal.invites.get(guest_email="ada@example.com")
    ada_link = copy_link(exhibitor, f"link-{ada.public_id}")
    assert ada_link == live_server.url + ada.path

    # Download the CSV for a mailing tool: every invite, with its link.
    with exhibitor.expect_download() as download_info:
        exhibitor.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as file:
        exported = list(csv.DictReader(file))
    assert len(exported) == 8
    assert sorted(row["name"] for row in exported if row["name"]) == [
        "Ada Lovelace",
        "Leo Berg",
        "Mia Roth",
        "Noor Haddad",
        "Otto Klee",
    ]
    assert sum(1 for row in exported if not row["name"] and not row["email"]) == 3
    by_email = {row["email"]: row for row in exported if row["email"]}
    assert by_email["ada@example.com"]["link"] == ada_link
    assert by_email["ada@example.com"]["tags"] == "VIP, collector"
    assert '"company": "Art Daily"' in by_email["noor@example.com"]["metadata"]
    assert {row["link"] for row in exported} == {
        live_server.url + invite.path for invite in portal.invites.all()
    }

    # The guest opens the link on their phone and accepts, bringing one guest.
    guest = new_page()
    guest.goto(ada_link)
    expect(guest.get_by_role("heading", name="Dear Ada Lovelace,")).to_be_visible()
    expect(guest.get_by_text("and you may bring up to 1 guest")).to_be_visible()
    shot(guest, "guest-invite")
    guest.get_by_label("Yes, I'll be there").check()
    guest.get_by_label("Guests coming with you").select_option("1")
    guest.get_by_role("button", name="Send my answer").click()
    expect(guest.get_by_text("Thank you, we've saved your answer.")).to_be_visible()
    expect(guest.locator(".current-answer")).to_contain_text("you'll be there with 1 guest")
    shot(guest, "guest-accepted")
    ada.refresh_from_db()
    assert (ada.status, ada.plus_ones) == ("accepted", 1)

    # The organizer's guest list shows the guest and the portal that invited them;
    # the portal's other guests stay private until they accept.
    organizer.goto(f"{live_server.url}/o/{org.slug}/events/{event.slug}/guests/")
    expect(organizer.get_by_role("heading", name="Guest list")).to_be_visible()
    guest_rows = organizer.locator("table tbody tr")
    expect(guest_rows).to_have_count(1)
    expect(guest_rows.first).to_contain_text("Ada Lovelace")
    expect(guest_rows.first).to_contain_text("Galerie Nord")
    expect(guest_rows.first).to_contain_text("Accepted")
    expect(guest_rows.first.locator("td.num")).to_have_text("1")
    expect(organizer.locator(".guest-counts .stat").nth(1).locator(".value")).to_have_text("1")
    shot(organizer, "guest-list")

    # Back on the exhibitor's dashboard the invite reads accepted.
    exhibitor.reload()
    ada_row = exhibitor.locator("table tbody tr").filter(has_text="ada@example.com")
    expect(ada_row).to_contain_text("Accepted")
    expect(ada_row.locator("td.num")).to_have_text("1 of 1")


def test_a_portal_claimed_without_portal_credits_shows_a_friendly_page(
    live_server, new_page, shot, org, alice, portal, mailoutbox
):
    give_credits(org, invite=50)  # invite credits, but no portal credit
    exhibitor = new_page()

    exhibitor.goto(live_server.url + portal.path)
    exhibitor.get_by_label("Your email address").fill("anna@galerie-nord.example")
    exhibitor.get_by_role("button", name="Claim this portal").click()

    expect(exhibitor.get_by_role("heading", name="This portal isn't available yet")).to_be_visible()
    expect(
        exhibitor.get_by_text("Nothing was saved, and there is nothing you need to do.")
    ).to_be_visible()
    # Nothing technical, and nothing about the organizer's balance.
    expect(exhibitor.get_by_role("main")).not_to_contain_text("credit")
    shot(exhibitor, "out-of-credits")
    assert serious_accessibility_violations(exhibitor) == []
    portal.refresh_from_db()
    assert portal.status == Portal.Status.UNASSIGNED
    assert portal.owner_email == ""
    assert balances(org) == Balances(portal=0, invite=50)

    # Trying again tells the organizer once, not per click.
    exhibitor.goto(live_server.url + portal.path)
    exhibitor.get_by_label("Your email address").fill("anna@galerie-nord.example")
    exhibitor.get_by_role("button", name="Claim this portal").click()
    expect(exhibitor.get_by_role("heading", name="This portal isn't available yet")).to_be_visible()
    notices = [message for message in mailoutbox if alice.email in message.to]
    assert len(notices) == 1
    assert "Galerie Nord" in notices[0].body


@pytest.mark.postgres
@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_exhibitor_emails_an_invite_that_a_real_worker_sends(
    live_server, new_page, shot, org, group, portal, worker
):
    give_credits(org, portal=1, invite=5)
    exhibitor = new_page()
    claim_with_one_guest(exhibitor, live_server.url + portal.path)
    ada = portal.invites.get()

    # Write the message, check the preview, send.
    exhibitor.get_by_role("link", name="Email Ada Lovelace").click()
    expect(exhibitor.get_by_role("heading", name="Email invites")).to_be_visible()
    expect(exhibitor.get_by_text("1 guest will receive this email")).to_be_visible()
    exhibitor.get_by_role("textbox", name="Subject").fill("{{ name }}, join us at {{ event }}")
    exhibitor.get_by_role("textbox", name=re.compile("^Message")).fill(
        "Dear {{ name }}, {{ portal }} would love to see you."
    )
    exhibitor.get_by_role("button", name="Preview").click()
    expect(exhibitor.locator(".email-preview-head")).to_contain_text(
        "Ada Lovelace, join us at Spring Fair"
    )
    exhibitor.get_by_text("Plain-text version").click()
    expect(exhibitor.locator("pre.email-text")).to_contain_text(
        "Dear Ada Lovelace, Galerie Nord would love to see you."
    )
    expect(exhibitor.locator("pre.email-text")).to_contain_text(live_server.url + ada.path)
    shot(exhibitor, "email-preview")
    # Previewing queues nothing (the claim's copy of the portal link is the only email so far).
    assert not Delivery.objects.filter(template="invite").exists()
    exhibitor.get_by_role("button", name="Send 1 email").click()
    expect(exhibitor.get_by_text("1 email on the way.")).to_be_visible()

    # The worker process sends it; the dashboard says so.
    assert wait_until(
        lambda: Delivery.objects.filter(invite=ada, status=Delivery.Status.SENT).exists(),
        timeout=SEND_TIMEOUT,
    ), worker.logs()
    exhibitor.reload()
    ada_row = exhibitor.locator("table tbody tr").filter(has_text="ada@example.com")
    expect(ada_row.locator(".invite-delivery .badge")).to_have_text("Sent")
    expect(ada_row).to_contain_text("4 sends left")
    expect(ada_row.get_by_role("link", name="Remind Ada Lovelace")).to_be_visible()
    shot(exhibitor, "dashboard-email-sent")

    [email] = [text for text in sent_messages(worker.mail_dir) if "To: ada@example.com" in text]
    assert "Subject: Ada Lovelace, join us at Spring Fair" in email
    link = live_server.url + ada.path
    assert link in email

    # The guest follows the link in the email.
    guest = new_page()
    guest.goto(link)
    expect(guest.get_by_role("heading", name="Dear Ada Lovelace,")).to_be_visible()
    ada.refresh_from_db()
    assert ada.status == Invite.Status.OPENED


def test_the_email_preview_shows_the_email_as_the_guest_will_see_it(
    live_server, new_page, shot, org, portal
):
    give_credits(org, portal=1, invite=1)
    exhibitor = new_page()
    claim_with_one_guest(exhibitor, live_server.url + portal.path)
    invite = portal.invites.get()
    exhibitor.get_by_role("link", name="Email Ada Lovelace").click()
    exhibitor.get_by_role("textbox", name=re.compile("^Message")).fill(
        "Dear {{ name }}, {{ portal }} would love to see you at {{ event }}."
    )
    exhibitor.get_by_role("button", name="Preview").click()

    preview = exhibitor.frame_locator("iframe.email-preview")
    expect(preview.locator("body")).to_contain_text(
        "Dear Ada Lovelace, Galerie Nord would love to see you at Spring Fair."
    )
    expect(preview.locator("body")).to_contain_text("Invited by Galerie Nord")
    button = preview.get_by_role("link", name="View your invitation and reply")
    expect(button).to_have_attribute("href", live_server.url + invite.path)
    shot(exhibitor, "email-preview")


def test_a_copy_button_looks_the_same_after_copying(
    live_server, page, org, alice, group, portal, sign_in
):
    sign_in(page, alice)
    page.goto(f"{live_server.url}/o/{org.slug}/groups/{group.public_id}/")
    expect(page.get_by_role("button", name="Copy the link of Galerie Nord")).to_be_visible()
    button = page.locator(f"#link-{portal.public_id} + button")
    button.click()
    expect(button).to_have_text("Copied")
    expect(button).not_to_have_text("Copied")  # restored after a moment

    expect(button.locator(".visually-hidden")).to_have_text(
        "the link of Galerie Nord", timeout=1000
    )
