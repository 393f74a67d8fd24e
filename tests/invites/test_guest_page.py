"""The guest's page at /i/<token>/: open, answer, change the answer."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from invites.models import Invite
from invites.services import GuestInput, generate_invites, generate_organizer_invites, revoke_invite
from tests.conftest import give_credits
from tests.invites.helpers import assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(org, portal) -> Invite:
    give_credits(org, invite=10)
    assign(portal)
    return generate_invites(
        portal, [GuestInput(name="Anna Muster", email="anna@example.com")], method="single"
    ).invites.get()


@pytest.fixture
def blank(org, portal) -> Invite:
    give_credits(org, invite=10)
    assign(portal)
    return generate_invites(portal, [], blank=1, method="blank").invites.get()


def url(invite: Invite) -> str:
    return reverse("invites:guest", args=[invite.token])


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_opening_shows_the_event_and_the_host_and_marks_it_opened(invite):
    response = Client().get(url(invite))
    page = text(response)
    assert response.status_code == 200
    assert "Dear Anna Muster" in page
    assert "Spring Fair" in page and "Messe Basel, Hall 2" in page
    assert "Contemporary art from 200 galleries." in page
    assert "You're invited by Galerie Nord" in page
    assert "you may bring up to 1 guest" in page
    invite.refresh_from_db()
    assert invite.status == Invite.Status.OPENED and invite.opened_at is not None
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def test_opening_again_writes_nothing_and_keeps_the_first_opening_time(invite):
    browser = Client()
    browser.get(url(invite))
    invite.refresh_from_db()
    first_opened, updated = invite.opened_at, invite.updated_at
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(url(invite)).status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert writes == []
    invite.refresh_from_db()
    assert (invite.status, invite.opened_at, invite.updated_at) == (
        Invite.Status.OPENED,
        first_opened,
        updated,
    )


def test_an_answered_invite_stays_answered_when_opened(invite):
    browser = Client()
    browser.post(url(invite), {"answer": "accept", "plus_ones": "0"})
    invite.refresh_from_db()
    assert invite.status == Invite.Status.ACCEPTED
    browser.get(url(invite))
    invite.refresh_from_db()
    assert invite.status == Invite.Status.ACCEPTED


def test_the_guest_accepts_with_a_plus_one_and_sees_the_answer(invite):
    browser = Client()
    response = browser.post(url(invite), {"answer": "accept", "plus_ones": "1"})
    assert response.status_code == 302 and response["Location"] == url(invite)
    invite.refresh_from_db()
    assert (invite.status, invite.plus_ones) == (Invite.Status.ACCEPTED, 1)
    page = text(browser.get(url(invite)))
    assert "you'll be there" in page and "with 1 guest" in page
    assert "Update my answer" in page
    assert re.search(r'value="accept"[^>]*checked', page)
    # Opening the page again does not undo the answer.
    invite.refresh_from_db()
    assert invite.status == Invite.Status.ACCEPTED


def test_the_guest_can_change_their_answer_until_answers_close(invite):
    browser = Client()
    browser.post(url(invite), {"answer": "accept", "plus_ones": "1"})
    browser.post(url(invite), {"answer": "decline"})
    invite.refresh_from_db()
    assert (invite.status, invite.plus_ones) == (Invite.Status.DECLINED, 0)

    # A fair that has started still takes answers (its second day) ...
    event = invite.event
    event.starts_at = timezone.now() - timedelta(hours=1)
    event.save()
    assert browser.post(url(invite), {"answer": "accept"}).status_code == 302
    browser.post(url(invite), {"answer": "decline"})
    # ... until the deadline the organizer set.
    event.answers_close_at = timezone.now() - timedelta(minutes=1)
    event.save()
    response = browser.post(url(invite), {"answer": "accept"})
    assert response.status_code == 422
    assert "Answers closed on" in text(response)
    invite.refresh_from_db()
    assert invite.status == Invite.Status.DECLINED
    page = text(browser.get(url(invite)))
    assert "you can't make it" in page
    assert "Send my answer" not in page and "Update my answer" not in page


def test_the_page_says_when_answers_close_in_the_events_zone(invite):
    event = invite.event
    event.answers_close_at = datetime(2031, 5, 18, 16, 0, tzinfo=UTC)
    event.save()
    page = text(Client().get(url(invite)))
    assert "Answers close Sun 18 May, 18:00 CEST." in page


def test_more_plus_ones_than_allowed_are_refused(invite):
    response = Client().post(url(invite), {"answer": "accept", "plus_ones": "3"})
    assert response.status_code == 422
    invite.refresh_from_db()
    assert invite.status != Invite.Status.ACCEPTED


def test_closed_rsvp_says_so(invite):
    event = invite.event
    event.rsvp_open = False
    event.save()
    page = text(Client().get(url(invite)))
    assert "The organizer has closed answers for this event." in page
    assert "Send my answer" not in page
    response = Client().post(url(invite), {"answer": "accept"})
    assert response.status_code == 422
    invite.refresh_from_db()
    assert invite.status == Invite.Status.OPENED


def test_a_blank_link_asks_for_name_and_email(blank):
    browser = Client()
    page = text(browser.get(url(blank)))
    assert 'name="name"' in page and 'name="email"' in page
    response = browser.post(url(blank), {"answer": "accept", "name": "Mia Rossi"})
    assert response.status_code == 422
    assert "This field is required." in text(response)
    blank.refresh_from_db()
    assert blank.status == Invite.Status.OPENED

    browser.post(url(blank), {"answer": "accept", "name": "Mia Rossi", "email": "mia@example.com"})
    blank.refresh_from_db()
    assert (blank.guest_name, blank.guest_email, blank.status) == (
        "Mia Rossi",
        "mia@example.com",
        Invite.Status.ACCEPTED,
    )
    page = text(browser.get(url(blank)))
    assert "Dear Mia Rossi" in page and 'name="email"' not in page


def test_a_revoked_invite_shows_a_clear_page(invite):
    revoke_invite(invite)
    for response in (Client().get(url(invite)), Client().post(url(invite), {"answer": "accept"})):
        assert response.status_code == 410
        assert "This invitation is no longer valid" in text(response)
    invite.refresh_from_db()
    assert invite.status == Invite.Status.REVOKED


def test_a_full_event_says_so(org, event):
    event.capacity = 1
    event.save()
    give_credits(org, invite=2)
    first, second = generate_organizer_invites(
        event, [GuestInput(name="A"), GuestInput(name="B")], method="paste"
    ).invites.order_by("id")
    Client().post(url(first), {"answer": "accept"})
    response = Client().post(url(second), {"answer": "accept"})
    assert response.status_code == 422
    assert "the event is full" in text(response)
    assert "You're invited by Basel Art Week" in text(Client().get(url(second)))


def test_unknown_tokens_are_404_and_lookups_are_rate_limited(invite, monkeypatch):
    # Freeze the clock: requests straddling a fixed window's edge would reset the count.
    frozen = time.time()
    monkeypatch.setattr("artsvp.ratelimit.time.time", lambda: frozen)
    browser = Client()
    for i in range(60):
        assert browser.get(f"/i/guess-{i:04d}-xxxxxxxxxxxxxxxx/").status_code == 404
    response = browser.get(url(invite))
    assert response.status_code == 429
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_real_browser_can_answer_despite_sending_no_referrer(invite):
    """The page's no-referrer policy makes browsers post with Origin: null."""
    browser = Client(enforce_csrf_checks=True)
    token = browser.get(url(invite)).context["csrf_token"]
    response = browser.post(
        url(invite),
        {"answer": "decline", "csrfmiddlewaretoken": str(token)},
        HTTP_ORIGIN="null",
        secure=True,
    )
    assert response.status_code == 302
    forged = Client(enforce_csrf_checks=True).post(url(invite), {"answer": "accept"})
    assert forged.status_code == 403
    invite.refresh_from_db()
    assert invite.status == Invite.Status.DECLINED
