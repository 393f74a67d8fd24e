"""Phone layouts (390 px): no page scrolls sideways, and the lists keep their
row actions (Copy, Email, Share, Revoke…) on screen and working; the Share
button uses the Web Share API and is hidden where the browser has none."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import expect

from invites.models import Invite
from invites.services import GuestInput, generate_invites, generate_organizer_invites
from portals.models import Portal
from tests.conftest import give_credits, make_portal
from tests.invites.fair import Fair, build_fair
from tests.invites.helpers import owner_client

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_EMAIL = "bartholomew.featherstonehaugh-worthington@kunstsammlung-nordwestschweiz.example"

# Elements whose right edge passes the viewport, outermost first, skipping those a
# scrolling (or clipping) ancestor keeps inside the page: what makes the page scroll.
WIDEST_ELEMENTS_JS = """
() => {
  const limit = window.innerWidth;
  const name = (el) => {
    let text = el.tagName.toLowerCase();
    if (el.id) text += "#" + el.id;
    if (el.classList.length) text += "." + Array.from(el.classList).join(".");
    return text;
  };
  const path = (el) => {
    const parts = [];
    for (let node = el; node && node !== document.body && parts.length < 4;) {
      parts.unshift(name(node));
      node = node.parentElement;
    }
    return parts.join(" > ");
  };
  const contained = (start) => {
    for (let node = start; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      const right = node.getBoundingClientRect().right;
      if (style.overflowX !== "visible" && right <= limit + 1) return true;
    }
    return false;
  };
  const found = [];
  // An element is measured against its ancestors' clipping, a text against its element's too.
  const note = (el, box, what) => {
    if (box.width === 0 || box.right <= limit + 1) return;
    if (contained(what ? el : el.parentElement)) return;
    if (found.some((outer) => outer.el.contains(el) && outer.right >= box.right)) return;
    found.push({el: el, right: Math.round(box.right), what: what});
  };
  for (const el of document.body.querySelectorAll("*")) note(el, el.getBoundingClientRect(), "");
  // A word longer than its box overflows the box without widening it.
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let text = texts.nextNode(); text; text = texts.nextNode()) {
    if (!text.textContent.trim()) continue;
    range.selectNodeContents(text);
    note(text.parentElement, range.getBoundingClientRect(), " text");
  }
  found.sort((a, b) => b.right - a.right);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: limit,
    widest: found.slice(0, 5).map((f) => `${path(f.el)}${f.what} (right edge ${f.right}px)`),
  };
}
"""


def assert_no_sideways_scroll(page: Any, where: str) -> None:
    measured = page.evaluate(WIDEST_ELEMENTS_JS)
    assert measured["scrollWidth"] <= measured["innerWidth"], (
        f"{where} scrolls sideways at {measured['innerWidth']} px: "
        f"{measured['scrollWidth']} px wide; widest: {measured['widest']}"
    )


def sign_in_owner(page: Any, live_server: Any, portal: Portal) -> None:
    """The page's browser is signed in to `portal`, as after its claim."""
    from django.conf import settings

    cookie = owner_client(portal).cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def seed_bundles() -> None:
    importlib.import_module("credits.migrations.0003_seed_bundles").seed(apps, None)


@pytest.fixture
def fair(org: Any, event: Any, portal: Portal) -> Fair:
    """The fair of tests/invites/fair.py, plus what makes a phone's life hard: a
    long portal name, a guest with a long email, more portals, a bundle catalog."""
    built = build_fair(org, event, portal)
    give_credits(org, portal=5)
    generate_invites(
        portal,
        [GuestInput(name="Bartholomew Featherstonehaugh-Worthington", email=LONG_EMAIL)],
        invite_type="standard",
        method="single",
    )
    make_portal(
        group=portal.group,
        name="Kunstsammlung Nordwestschweiz und Partnergalerien",
        allocation=12,
        contact_email=LONG_EMAIL,
    )
    generate_organizer_invites(
        event, [GuestInput(name="Olga Organizer", email="olga@example.com")], method="single"
    )
    seed_bundles()
    return built


def key_pages(org: Any, event: Any, group: Any) -> dict[str, str]:
    return {
        "group page": reverse("portals:group_detail", args=[org.slug, group.public_id]),
        "guest list": reverse("invites:guest_list", args=[org.slug, event.slug]),
        "event page": reverse("events:detail", args=[org.slug, event.slug]),
        "billing": reverse("billing:billing", args=[org.slug]),
        "statement": reverse("credits:statement", args=[org.slug]),
        "settings": reverse("organizations:settings", args=[org.slug]),
        "team": reverse("organizations:team", args=[org.slug]),
        "API keys": reverse("organizations:api_keys", args=[org.slug]),
        "door": reverse("door:door", args=[org.slug, event.slug]),
    }


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_organizer_page_scrolls_sideways(
    live_server, page, sign_in, shot, org, alice, event, group, fair, viewport
):
    page.set_viewport_size(viewport)
    sign_in(page, alice)
    for name, path in key_pages(org, event, group).items():
        page.goto(live_server.url + path)
        full_page = shot(page, f"{name.replace(' ', '-')}-{viewport['width']}")
        if page.locator("table").count():
            close_up(full_page, page.locator("table").last)
        assert_no_sideways_scroll(page, name)


@pytest.fixture
def payload_world(settings: Any) -> Any:
    """The payload world of tests/security/world.py (long markup in every field),
    built for real (committed) so its pages render as any other."""
    from django.test import TestCase

    from tests.billing.kit import WEBHOOK_SECRET, FakeStripe
    from tests.security.world import build_world

    fake = FakeStripe()
    fake.thread.start()
    settings.STRIPE_SECRET_KEY = "sk_test_artsvp_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake.url
    settings.ADMINS = [("Billing staff", "staff@artsvp.example")]
    try:
        yield build_world(fake, TestCase.captureOnCommitCallbacks)
    finally:
        fake.server.shutdown()
        fake.server.server_close()


def serve(html: bytes) -> Any:
    return lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8")


def test_no_page_of_the_registry_scrolls_sideways_on_a_phone(live_server, page, payload_world):
    """Every page of tests/security/pages.py, as its first role gets it, with markup
    (long unbroken strings) in every field, drawn at 390 px."""
    from django.test import Client

    from tests.security.pages import PAGES

    page.set_viewport_size(PHONE)
    problems = []
    drawn = 0
    for registered in PAGES:
        if registered.headers:
            continue  # an htmx fragment, drawn inside its page
        role = registered.roles[0]
        client = Client() if role == "guest" else payload_world.clients[role]
        url = reverse(registered.url_name, kwargs=registered.kwargs(payload_world, client) or None)
        if registered.post is not None:
            response = client.post(url, registered.post(payload_world, client))
        else:
            response = client.get(url, registered.query(payload_world, client))
        if not response.get("Content-Type", "").startswith("text/html") or response.streaming:
            continue
        html = response.content
        address = live_server.url + url
        page.route(address, serve(html))
        page.goto(address)
        page.unroute(address)
        drawn += 1
        try:
            assert_no_sideways_scroll(page, registered.describe(role))
        except AssertionError as error:
            problems.append(str(error))
    assert drawn > 100
    assert not problems, "\n".join(problems)


SHARE_STUB = """
window.__shared = [];
navigator.share = (data) => { window.__shared.push(data); return Promise.resolve(); };
"""


def phone_page(browser: Any, *, share: bool) -> Any:
    context = browser.new_context(viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    if share:
        context.add_init_script(SHARE_STUB)
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    return opened


def assert_on_screen(locator: Any, what: str) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    width = locator.page.viewport_size["width"]
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (
        f"{what} is outside the {width} px screen: {box}"
    )


def close_up(full_page: Any, locator: Any) -> None:
    """Next to a full-page screenshot, the screen that starts at `locator` (a phone's
    full page is too tall to read)."""
    locator.evaluate("element => element.scrollIntoView()")
    locator.page.screenshot(path=str(full_page.with_name(full_page.stem + "-list.png")))


def row_of(page: Any, text: str) -> Any:
    return page.locator("table.table-cards > tbody > tr").filter(has_text=text)


def copies_and_shares(page: Any, row: Any, link: str, what: str) -> None:
    expect(row).to_have_count(1)
    copy = row.locator("button[data-copy]")
    share = row.locator("button[data-share-url]")
    expect(copy).to_have_accessible_name(re.compile(r"^Copy\b"))
    expect(share).to_have_accessible_name(re.compile(r"^Share\b"))
    assert_on_screen(copy, f"{what}: Copy")
    assert_on_screen(share, f"{what}: Share")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link
    share.click()
    shared = page.evaluate("window.__shared")
    assert [entry["url"] for entry in shared] == [link], what
    assert shared[0]["title"]


def test_the_exhibitor_dashboard_keeps_its_row_actions_on_a_phone(live_server, browser, shot, fair):
    page = phone_page(browser, share=True)
    sign_in_owner(page, live_server, fair.portal)
    page.goto(live_server.url + reverse("owner:dashboard", args=[fair.portal.public_id]))
    close_up(shot(page, "dashboard-390"), page.locator("#invites-heading").locator(".."))
    assert_no_sideways_scroll(page, "the exhibitor dashboard")

    invite = fair.invites["unanswered"]
    row = row_of(page, "Std Unanswered")
    copies_and_shares(page, row, live_server.url + invite.path, "the dashboard's invite row")
    for name in ("Email Std Unanswered", "Edit Std Unanswered", "Revoke Std Unanswered"):
        assert_on_screen(row.get_by_role(re_role(name), name=name), f"the dashboard's {name}")
    # The invite with a long email fits its card too.
    assert_on_screen(row_of(page, LONG_EMAIL).get_by_text(LONG_EMAIL), "a long email")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke Std Unanswered").click()
    expect(row_of(page, "Std Unanswered").locator(".badge.revoked")).to_be_visible()
    invite.refresh_from_db()
    assert invite.status == Invite.Status.REVOKED

    page.set_viewport_size(DESKTOP)
    shot(page, "dashboard-1280")
    assert_no_sideways_scroll(page, "the exhibitor dashboard")
    row_of(page, LONG_EMAIL).get_by_role("link", name="Email", exact=False).click()
    expect(page.get_by_role("heading", name="Email invites")).to_be_visible()
    page.context.close()


def re_role(name: str) -> str:
    return "button" if name.startswith("Revoke") else "link"


def test_the_organizers_guest_list_and_portal_list_keep_their_row_actions_on_a_phone(
    live_server, browser, sign_in, shot, org, alice, event, group, fair
):
    page = phone_page(browser, share=True)
    sign_in(page, alice)
    page.goto(live_server.url + reverse("invites:guest_list", args=[org.slug, event.slug]))
    close_up(shot(page, "guest-list-390"), row_of(page, "Olga Organizer"))
    assert_no_sideways_scroll(page, "the guest list")
    organizers = Invite.objects.get(guest_name="Olga Organizer")
    row = row_of(page, "Olga Organizer")
    copies_and_shares(page, row, live_server.url + organizers.path, "the guest list's row")
    for role, name in (
        ("link", "Email Olga Organizer"),
        ("link", "Record answer Olga Organizer"),
        ("button", "Revoke Olga Organizer"),
    ):
        assert_on_screen(row.get_by_role(role, name=name), f"the guest list's {name}")
    pending = row_of(page, "VIP Waiting")
    assert_on_screen(pending.get_by_role("button", name="Approve VIP Waiting"), "Approve")
    assert_on_screen(pending.get_by_role("button", name="Decline VIP Waiting"), "Decline")

    page.evaluate("window.__shared = []")
    page.goto(live_server.url + reverse("portals:group_detail", args=[org.slug, group.public_id]))
    close_up(shot(page, "group-390"), page.locator("#portals-heading").locator("../.."))
    assert_no_sideways_scroll(page, "the group page")
    row = row_of(page, "Galerie Nord")
    copies_and_shares(page, row, live_server.url + fair.portal.path, "the portal list's row")
    assert_on_screen(row.get_by_role("link", name="Galerie Nord"), "the portal's name")
    assert_on_screen(
        row_of(page, "Kunstsammlung").get_by_text(LONG_EMAIL), "a portal's long contact email"
    )
    page.set_viewport_size(DESKTOP)
    shot(page, "group-1280")
    assert_on_screen(row.locator("button[data-share-url]"), "the desktop's Share")
    page.context.close()


def test_without_the_web_share_api_no_share_button_shows(
    live_server, browser, sign_in, org, alice, group, fair
):
    page = phone_page(browser, share=False)
    page.context.add_init_script("delete Navigator.prototype.share;")
    sign_in(page, alice)
    page.goto(live_server.url + reverse("portals:group_detail", args=[org.slug, group.public_id]))
    row = row_of(page, "Galerie Nord")
    assert_on_screen(row.get_by_role("button", name="Copy the link of Galerie Nord"), "Copy")
    expect(page.locator("[data-share-url]")).not_to_have_count(0)
    expect(page.get_by_role("button", name="Share", exact=False)).to_have_count(0)
    for share in page.locator("[data-share-url]").all():
        expect(share).to_be_hidden()

    sign_in_owner(page, live_server, fair.portal)
    page.goto(live_server.url + reverse("owner:dashboard", args=[fair.portal.public_id]))
    expect(row_of(page, "Std Unanswered").get_by_role("button", name="Copy")).to_be_visible()
    expect(page.get_by_role("button", name="Share", exact=False)).to_have_count(0)
    page.context.close()


PORTAL_CSV = (
    "name,allocation,contact_email\n"
    "Galerie Ost,4,ost@example.com\n"
    f"Kunsthalle West,3,not-an-email-{'x' * 60}\n"
).encode()
GUEST_CSV = (
    "name,email,company\n"
    f"Ada Lovelace,{LONG_EMAIL},Analytical Engines\n"
    "Max Bauer,max(at)example,Bauer AG\n"
).encode()


def test_the_import_previews_show_each_row_as_a_card_with_its_error_on_a_phone(
    live_server, page, sign_in, shot, org, alice, event, group, portal
):
    give_credits(org, invite=10)
    page.set_viewport_size(PHONE)
    sign_in(page, alice)
    page.goto(live_server.url + reverse("portals:portal_import", args=[org.slug, group.public_id]))
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "exhibitors.csv", "mimeType": "text/csv", "buffer": PORTAL_CSV}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    close_up(shot(page, "portal-preview-390"), page.locator("#rows-heading"))
    assert_no_sideways_scroll(page, "the portal import preview")
    bad = row_of(page, "Kunsthalle West")
    assert_on_screen(bad.locator(".errorlist"), "the bad row's error")
    assert_on_screen(row_of(page, "Galerie Ost").get_by_text("OK"), "the good row's check")
    assert_on_screen(
        page.get_by_role("button", name="Import the 1 valid row, skip 1"), "importing the good rows"
    )
    assert_on_screen(page.get_by_role("link", name="Fix and upload again"), "fixing the file")

    page.goto(live_server.url + reverse("invites:organizer_generate", args=[org.slug, event.slug]))
    upload = page.locator("section#csv")
    upload.get_by_label("CSV file").set_input_files(
        files=[{"name": "guests.csv", "mimeType": "text/csv", "buffer": GUEST_CSV}]
    )
    upload.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Check your CSV")).to_be_visible()
    close_up(shot(page, "guest-preview-390"), page.locator("#csv-rows-heading"))
    assert_no_sideways_scroll(page, "the guest CSV preview")
    assert_on_screen(row_of(page, "Ada Lovelace").get_by_text(LONG_EMAIL), "a long email")
    assert_on_screen(row_of(page, "Max Bauer").locator(".negative"), "the bad line's problem")
    assert_on_screen(
        page.get_by_role("button", name="Import the 1 valid row, skip 1"), "importing the good rows"
    )

    page.set_viewport_size(DESKTOP)
    shot(page, "guest-preview-1280")
    # On a desktop the rows are a table again, its header visible.
    expect(page.get_by_role("columnheader", name="Problem")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_billing_fits_a_phone_with_buy_buttons_and_for_operators(
    live_server, page, sign_in, shot, org, alice, settings, viewport
):
    from django.contrib.auth import get_user_model

    seed_bundles()
    give_credits(org, portal=3, invite=40)
    page.set_viewport_size(viewport)
    billing = live_server.url + reverse("billing:billing", args=[org.slug])

    # Operators (staff) without Stripe see its setup: long settings and event names.
    staff = get_user_model().objects.filter(pk=alice.pk)
    staff.update(is_staff=True)
    sign_in(page, alice)
    page.goto(billing)
    expect(page.locator("#payments-setup")).to_be_visible()
    shot(page, f"billing-operator-{viewport['width']}")
    assert_no_sideways_scroll(page, "billing (operator)")

    settings.STRIPE_SECRET_KEY = "sk_test_browser"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_browser"
    page.goto(billing)
    buy = page.get_by_role("button", name="Buy 5 portal credits for €95.00")
    assert_on_screen(buy, "a Buy button")
    shot(page, f"billing-buy-{viewport['width']}")
    assert_no_sideways_scroll(page, "billing (buying online)")
