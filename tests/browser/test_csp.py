"""Under the Content-Security-Policy, in a real Chromium: the main pages of
every role load with no violation reported, and a guest's markup in the send
preview runs nowhere while the email's own styles still show."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from events.models import Event
from invites.models import Invite, InviteBatch
from tests.conftest import give_credits

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = "<img src=x onerror=alert(1)>"

# Both the DOM event and Chromium's console line, whichever comes first.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


class Watch:
    """Every CSP violation, console "Refused to…" line and dialog on a page."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)
        page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        text = message.text
        if "Refused to" in text or "Content Security Policy" in text:
            self.problems.append(f"console on {self.page.url}: {text}")

    def _dialog(self, dialog: Any) -> None:
        self.problems.append(f"a script opened a {dialog.type} on {self.page.url}")
        dialog.dismiss()

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status < 400, url
        self.page.wait_for_load_state("networkidle")
        self.collect()

    def collect(self) -> None:
        for frame in self.page.frames:
            try:
                found = frame.evaluate("window.__cspViolations || []")
            except Exception:  # a sandboxed frame runs no script, ours included
                continue
            self.problems += [f"{frame.url}: {line}" for line in found]


@pytest.fixture
def hostile_invite(event: Event) -> Invite:
    batch = InviteBatch.objects.create(
        organization=event.organization, event=event, method=InviteBatch.Method.PASTE, size=1
    )
    return Invite.objects.create(
        organization=event.organization,
        event=event,
        batch=batch,
        guest_name=PAYLOAD,
        guest_email="eve@example.com",
    )


def test_the_organizers_pages_load_with_no_policy_violation(
    live_server, page, sign_in, shot, org, alice, event, group, portal, hostile_invite
):
    give_credits(org, portal=2, invite=5)
    sign_in(page, alice)
    watch = Watch(page)
    base = live_server.url
    for url in (
        reverse("events:list", args=[org.slug]),
        reverse("events:detail", args=[org.slug, event.slug]),
        reverse("invites:guest_list", args=[org.slug, event.slug]),
        f"/o/{org.slug}/groups/{group.public_id}/",
        reverse("billing:billing", args=[org.slug]),
        reverse("organizations:settings", args=[org.slug]),
    ):
        watch.visit(base + url)

    # The send preview of an invite whose guest wrote markup as their name.
    send = reverse("invites:send", args=[org.slug, event.slug])
    watch.visit(f"{base}{send}?invite={hostile_invite.public_id}")
    page.get_by_role("button", name="Preview").click()
    frame = page.frame_locator("iframe.email-preview")
    expect(frame.locator("body")).to_contain_text(f"Hello {PAYLOAD}")
    # The email's inline styles apply inside its frame (its own CSP allows them).
    body = frame.locator("body")
    assert body.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(246, 245, 249)"
    page.get_by_text("Plain-text version").click()
    expect(page.locator("pre.email-text")).to_contain_text(PAYLOAD)
    expect(page.locator("img[src='x']")).to_have_count(0)
    watch.collect()
    shot(page, "csp-send-preview")

    assert watch.problems == []


def test_the_public_and_account_pages_load_with_no_policy_violation(live_server, page):
    watch = Watch(page)
    for url in (
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/api/v1/docs",
    ):
        watch.visit(live_server.url + url)
    # The API docs (ninja's vendored Swagger UI) still draw themselves.
    expect(page.locator("#swagger-ui .info")).to_be_visible()
    watch.collect()
    assert watch.problems == []


def test_the_portal_owner_and_guest_pages_load_with_no_policy_violation(
    live_server, page, org, portal
):
    give_credits(org, portal=1, invite=5)
    watch = Watch(page)
    watch.visit(live_server.url + portal.path)
    page.get_by_label("Your email address").fill("anna@galerie-nord.example")
    page.get_by_role("button", name="Claim this portal").click()
    page.get_by_role("link", name="Add your first invites").click()
    single = page.locator("section#single")
    single.get_by_label("Name").fill(PAYLOAD)
    single.get_by_label("Email").fill("ada@example.com")
    single.get_by_role("button", name="Create invite").click()
    expect(page.get_by_text("1 invite created.")).to_be_visible()
    expect(page.locator("progress.progress")).to_be_visible()
    watch.collect()

    page.get_by_role("link", name="Email all not yet emailed").click()
    page.get_by_role("button", name="Preview").click()
    expect(page.frame_locator("iframe.email-preview").locator("body")).to_contain_text(PAYLOAD)
    watch.collect()

    watch.visit(live_server.url + portal.invites.get().path)
    assert watch.problems == []


def test_the_django_admin_works_under_the_policy(live_server, page, sign_in, org, event):
    staff = get_user_model().objects.create_superuser(
        username="root", email="root@example.com", password="x"
    )
    sign_in(page, staff)
    watch = Watch(page)
    for url in (
        "/admin/",
        "/admin/events/event/",
        f"/admin/events/event/{event.pk}/change/",
        "/admin/auth/user/add/",
    ):
        watch.visit(live_server.url + url)
    # The admin's own scripts run: the changelist's "select all" ticks every row.
    page.goto(live_server.url + "/admin/events/event/")
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
    watch.collect()
    assert watch.problems == []


@pytest.fixture
def stripe_checkout(settings, monkeypatch):
    """The local Stripe fake, handing out checkout.stripe.com URLs as Stripe does."""
    from tests.billing.kit import WEBHOOK_SECRET, FakeStripe

    fake = FakeStripe()
    new_session = fake._new_session

    def real_origin(params: dict[str, str]) -> dict[str, Any]:
        session = new_session(params)
        session["url"] = f"https://checkout.stripe.com/c/pay/{session['id']}"
        return session

    monkeypatch.setattr(fake, "_new_session", real_origin)
    fake.thread.start()
    settings.STRIPE_SECRET_KEY = "sk_test_artsvp_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake.url
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def test_a_buy_button_still_reaches_stripe_checkout(
    live_server, page, sign_in, org, alice, stripe_checkout
):
    """Chromium applies form-action to the redirect after a form's POST: the
    billing page allows Stripe Checkout's origin, and only that page."""
    import importlib

    from django.apps import apps

    importlib.import_module("credits.migrations.0003_seed_bundles").seed(apps, None)
    # Stripe's page itself, answered here: the test must not reach the internet.
    page.route(
        "https://checkout.stripe.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="Stripe Checkout"),
    )
    sign_in(page, alice)
    watch = Watch(page)
    watch.visit(f"{live_server.url}/o/{org.slug}/settings/billing/")

    page.get_by_role("button", name="Buy 5 portal credits for €95.00").click()

    page.wait_for_url("https://checkout.stripe.com/c/pay/*")
    expect(page.locator("body")).to_have_text("Stripe Checkout")
    assert watch.problems == []
