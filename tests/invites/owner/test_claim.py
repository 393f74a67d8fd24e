"""Claiming a portal at /p/<token>/: one email, one portal credit, one winner."""

from __future__ import annotations

import io
import logging
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from artsvp.logging import RedactTokensFilter
from credits.ledger import InsufficientCredits
from credits.models import CreditEntry, CreditKind
from deliveries.models import Delivery
from organizations.models import Membership
from portals.claiming import claim_portal
from portals.errors import PortalAlreadyAssigned, PortalRevoked
from portals.models import CreditShortageNotice, Portal, ShortageDigest
from portals.notifications import notify_credit_shortage
from tests.conftest import give_credits, make_portal
from tests.deliveries.outbox import RolledBack, deliveries_of
from tests.invites.helpers import asks_to_sign_in, balance, entries, race
from tests.mail import html_of

OWNER = "owner@galerie-nord.example"


def link(portal: Portal) -> str:
    return reverse("owner:link", args=[portal.token])


@pytest.mark.django_db
class TestClaimPage:
    def test_an_unassigned_portal_shows_the_event_instructions_and_an_email_form(self, portal):
        response = Client().get(link(portal))
        page = response.content.decode()
        assert response.status_code == 200
        assert "Galerie Nord" in page
        assert "Spring Fair" in page
        assert "Messe Basel, Hall 2" in page
        assert "Invite your collectors before 1 May." in page
        assert 'name="email"' in page
        assert "Claim this portal" in page

    def test_claiming_assigns_the_portal_uses_one_credit_and_signs_the_browser_in(
        self, org, portal
    ):
        give_credits(org, portal=3)
        browser = Client()
        response = browser.post(link(portal), {"email": OWNER})

        dashboard = reverse("owner:dashboard", args=[portal.public_id])
        assert response.status_code == 302
        assert response["Location"] == dashboard
        assert portal.token not in response["Location"]
        portal.refresh_from_db()
        assert portal.status == Portal.Status.ASSIGNED
        assert portal.owner_email == OWNER
        assert portal.assigned_at is not None
        assert balance(org, CreditKind.PORTAL) == 2
        [entry] = entries(org, CreditKind.PORTAL, reason=CreditEntry.Reason.PORTAL_ASSIGNMENT)
        assert entry.amount == -1
        assert entry.portal == portal
        assert entry.idempotency_key == f"portal-assign:{portal.pk}"

        page = browser.get(dashboard)
        assert page.status_code == 200
        assert "Your invites" in page.content.decode()
        # The claiming browser goes straight to the dashboard from the link too.
        assert browser.get(link(portal))["Location"] == dashboard

    def test_the_email_is_validated_and_nothing_changes_on_error(self, org, portal):
        give_credits(org, portal=1)
        response = Client().post(link(portal), {"email": "not an email"})
        assert response.status_code == 200
        assert "Enter a valid email address." in response.content.decode()
        portal.refresh_from_db()
        assert portal.status == Portal.Status.UNASSIGNED
        assert balance(org, CreditKind.PORTAL) == 1

    def test_another_browser_sees_a_sign_in_page_not_the_portal(self, org, portal):
        give_credits(org, portal=1)
        Client().post(link(portal), {"email": OWNER})

        stranger = Client()
        response = stranger.get(link(portal))
        page = response.content.decode()
        assert response.status_code == 200
        assert "Sign in to Galerie Nord" in page
        assert OWNER not in page
        dashboard = reverse("owner:dashboard", args=[portal.public_id])
        assert asks_to_sign_in(stranger.get(dashboard))

    def test_a_second_claim_is_refused_with_a_way_to_sign_in(self, org, portal):
        give_credits(org, portal=2)
        Client().post(link(portal), {"email": OWNER})
        # The second person loaded the form before the first one submitted.
        response = Client().post(link(portal), {"email": "someone@else.example"})
        page = response.content.decode()
        assert response.status_code == 409
        assert "This portal has already been claimed" in page
        assert reverse("owner:request_code", args=[portal.token]) in page
        portal.refresh_from_db()
        assert portal.owner_email == OWNER
        assert balance(org, CreditKind.PORTAL) == 1

    def test_without_portal_credits_nothing_changes_and_the_owner_sees_a_friendly_page(
        self, org, portal, alice, bob, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(link(portal), {"email": OWNER})
        page = response.content.decode()
        assert "This portal isn't available yet" in page
        assert "The organizer has been told" in page
        assert "portal credit" not in page.lower()
        portal.refresh_from_db()
        assert portal.status == Portal.Status.UNASSIGNED
        assert portal.owner_email == ""
        assert CreditEntry.objects.count() == 0

        # The organization's owners and admins hear about it, members don't.
        assert [message.to for message in mail.outbox] == [[alice.email]]
        notice = mail.outbox[0]
        assert "Galerie Nord" in notice.subject
        assert "no portal credits left" in notice.subject
        assert reverse("billing:billing", args=[org.slug]) in notice.body
        assert "Buy credits" in html_of(notice)

    def test_the_organizer_is_told_once_a_day_not_once_per_click(
        self, org, portal, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            for attempt in range(4):
                Client().post(link(portal), {"email": f"try{attempt}@example.com"})
        assert len(mail.outbox) == 1
        assert CreditShortageNotice.objects.filter(portal=portal).count() == 1

        # A day later the organizer is reminded once more.
        yesterday = timezone.now().date() - timedelta(days=1)
        CreditShortageNotice.objects.update(day=yesterday)
        ShortageDigest.objects.update(day=yesterday)
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(link(portal), {"email": OWNER})
            Client().post(link(portal), {"email": OWNER})
        assert len(mail.outbox) == 2

    def test_the_notice_is_an_outbox_delivery_per_organizer_that_ends_sent(
        self, org, portal, alice, bob, django_capture_on_commit_callbacks
    ):
        Membership.objects.filter(user=bob).update(role=Membership.Role.ADMIN)
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(link(portal), {"email": OWNER})
            assert deliveries_of("shortage-digest") == [
                (alice.email, "queued"),
                (bob.email, "queued"),
            ]
        assert deliveries_of("shortage-digest") == [(alice.email, "sent"), (bob.email, "sent")]
        assert sorted(message.to[0] for message in mail.outbox) == [alice.email, bob.email]

    def test_a_notice_rolled_back_with_its_transaction_emails_nothing(
        self, org, portal, django_capture_on_commit_callbacks
    ):
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RolledBack),
            transaction.atomic(),
        ):
            assert notify_credit_shortage(portal, kind=CreditKind.PORTAL, requested=1)
            raise RolledBack()
        assert mail.outbox == []
        assert not Delivery.objects.exists()
        # Nothing was recorded either, so the next refusal does tell the organizer.
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(link(portal), {"email": OWNER})
        assert len(mail.outbox) == 1

    def test_once_credits_arrive_the_same_owner_can_claim(self, org, portal):
        Client().post(link(portal), {"email": OWNER})
        give_credits(org, portal=1)
        response = Client().post(link(portal), {"email": OWNER})
        assert response.status_code == 302
        portal.refresh_from_db()
        assert portal.status == Portal.Status.ASSIGNED

    def test_a_revoked_portal_says_so(self, org, portal):
        give_credits(org, portal=1)
        Portal.objects.filter(pk=portal.pk).update(
            status=Portal.Status.REVOKED, revoked_at=timezone.now()
        )
        for response in (
            Client().get(link(portal)),
            Client().post(link(portal), {"email": OWNER}),
        ):
            assert response.status_code == 410
            assert "This portal has been closed" in response.content.decode()
        assert balance(org, CreditKind.PORTAL) == 1

    def test_an_unknown_token_is_404(self, db):
        assert Client().get("/p/not-a-real-token-at-all-000000/").status_code == 404

    def test_secret_link_pages_are_not_cached_and_send_no_referrer(self, org, portal):
        give_credits(org, portal=1)
        browser = Client()
        for response in (browser.get(link(portal)), browser.post(link(portal), {"email": OWNER})):
            assert response["Referrer-Policy"] == "no-referrer"
            assert "no-store" in response["Cache-Control"]
        # The dashboard has no token in its URL; it lists invite links, so no caching.
        dashboard = browser.get(reverse("owner:dashboard", args=[portal.public_id]))
        assert "no-store" in dashboard["Cache-Control"]
        assert dashboard["Referrer-Policy"] == "same-origin"

    def test_a_real_browser_form_post_passes_the_csrf_check(self, org, portal):
        """With Referrer-Policy: no-referrer, browsers post forms with Origin: null and no
        Referer; the CSRF token must still be checked, and suffice."""
        give_credits(org, portal=1)
        browser = Client(enforce_csrf_checks=True)
        form_page = browser.get(link(portal))
        token = form_page.context["csrf_token"]
        forged = Client(enforce_csrf_checks=True).post(
            link(portal), {"email": OWNER}, HTTP_ORIGIN="null"
        )
        assert forged.status_code == 403
        response = browser.post(
            link(portal),
            {"email": OWNER, "csrfmiddlewaretoken": str(token)},
            HTTP_ORIGIN="null",
            secure=True,
        )
        assert response.status_code == 302
        portal.refresh_from_db()
        assert portal.status == Portal.Status.ASSIGNED
        # Pages without a token in the URL keep Django's full check (same-origin Referer).
        dashboard = reverse("owner:dashboard", args=[portal.public_id])
        add = reverse("owner:add_invites", args=[portal.public_id])
        assert browser.post(add, {"method": "blank"}, HTTP_ORIGIN="null").status_code == 403
        assert browser.get(dashboard).status_code == 200

    def test_lookups_of_portal_links_are_rate_limited(self, portal, monkeypatch):
        # One fixed window for the whole test: crossing into the next would reset the count.
        frozen = time.time()
        monkeypatch.setattr("artsvp.ratelimit.time.time", lambda: frozen)
        browser = Client()
        statuses = [
            browser.get(f"/p/guess-{i:04d}-xxxxxxxxxxxxxxxx/").status_code for i in range(60)
        ]
        assert set(statuses) == {404}
        response = browser.get(link(portal))
        assert response.status_code == 429
        assert "slow down" in response.content.decode().lower()
        assert int(response["Retry-After"]) > 0
        # Another client address is not affected.
        assert Client(REMOTE_ADDR="10.0.0.9").get(link(portal)).status_code == 200


@pytest.mark.django_db
def test_portal_tokens_never_reach_the_logs(portal):
    """The console handler configured in settings redacts /p/ and /i/ paths."""
    root = logging.getLogger()
    handlers = [
        handler
        for handler in root.handlers
        if any(isinstance(f, RedactTokensFilter) for f in handler.filters)
    ]
    assert handlers, "settings.LOGGING must put the redacting filter on the console handler"
    handler = handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]  # StreamHandler.setStream on the configured handler, typed as Handler
    try:
        Client().get(f"/p/{portal.token}x/")  # an unknown token: Django logs "Not Found: ..."
        Client().get(f"/i/{portal.token}y/")
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]  # StreamHandler.setStream on the configured handler, typed as Handler
    output = stream.getvalue()
    assert "Not Found" in output
    assert "/p/[redacted]" in output and "/i/[redacted]" in output
    assert portal.token not in output


@pytest.mark.django_db
class TestClaimService:
    def test_claiming_twice_is_refused(self, org, portal):
        give_credits(org, portal=2)
        claim_portal(portal, email=OWNER)
        with pytest.raises(PortalAlreadyAssigned):
            claim_portal(portal, email="late@example.com")
        assert balance(org, CreditKind.PORTAL) == 1

    def test_claiming_a_revoked_portal_is_refused(self, org, portal):
        give_credits(org, portal=1)
        Portal.objects.filter(pk=portal.pk).update(status=Portal.Status.REVOKED)
        with pytest.raises(PortalRevoked):
            claim_portal(portal, email=OWNER)
        assert balance(org, CreditKind.PORTAL) == 1

    def test_no_credit_raises_and_changes_nothing(self, org, portal):
        with pytest.raises(InsufficientCredits):
            claim_portal(portal, email=OWNER)
        portal.refresh_from_db()
        assert portal.status == Portal.Status.UNASSIGNED

    def test_the_email_domain_is_normalised(self, org, portal):
        give_credits(org, portal=1)
        claimed = claim_portal(portal, email="  Owner@Galerie-Nord.EXAMPLE ")
        assert claimed.owner_email == "Owner@galerie-nord.example"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_claims_of_one_portal_make_one_owner(org, portal):
    give_credits(org, portal=10)

    results = race(20, lambda i: claim_portal(portal, email=f"claimer{i}@example.com"))

    winners = [result for result in results if isinstance(result, Portal)]
    losers = [result for result in results if isinstance(result, PortalAlreadyAssigned)]
    assert len(winners) == 1 and len(losers) == 19, results
    portal.refresh_from_db()
    assert portal.status == Portal.Status.ASSIGNED
    assert portal.owner_email == winners[0].owner_email
    assert len(entries(org, CreditKind.PORTAL, reason=CreditEntry.Reason.PORTAL_ASSIGNMENT)) == 1
    assert balance(org, CreditKind.PORTAL) == 9


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_credits_let_exactly_five_of_fifteen_portals_be_claimed(org, group):
    give_credits(org, portal=5)
    portals = [
        make_portal(organization=org, group=group, name=f"Booth {i}", allocation=5)
        for i in range(15)
    ]

    results = race(15, lambda i: claim_portal(portals[i], email=f"booth{i}@example.com"))

    assert sum(isinstance(result, Portal) for result in results) == 5, results
    assert sum(isinstance(result, InsufficientCredits) for result in results) == 10
    assert Portal.objects.filter(status=Portal.Status.ASSIGNED).count() == 5
    assert balance(org, CreditKind.PORTAL) == 0
    # The ten refused portals each recorded one notice for the organizer.
    assert CreditShortageNotice.objects.filter(kind=CreditKind.PORTAL).count() == 10
    from django.core.management import call_command

    call_command("check_ledger")
