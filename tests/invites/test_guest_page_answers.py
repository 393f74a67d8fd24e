"""The guest's page with entry windows, approval and multi-use links."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from invites.answers import answer_link, respond
from invites.models import Invite
from tests.invites.windows import add_type, add_window, invites_of

pytestmark = pytest.mark.django_db


def url(invite: Invite) -> str:
    return reverse("invites:guest", args=[invite.token])


def text(response) -> str:
    return html.unescape(response.content.decode())


def words(response) -> str:
    """The page's text without its tags, as a reader sees it."""
    return " ".join(re.sub(r"<[^>]+>", "", text(response)).split())


@pytest.fixture
def preview(event):
    return add_window(event, "VIP Preview", hour=9, capacity=2)


@pytest.fixture
def afternoon(event):
    return add_window(event, "Afternoon", hour=13, capacity=10)


@pytest.fixture
def vip(group, preview, afternoon):
    return add_type(group, "vip", preview, afternoon, plus_ones_allowed=1)


@pytest.fixture
def invite(event, portal, vip) -> Invite:
    return invites_of(event, portal=portal, invite_type=vip)[0]


def radios(page: str) -> list[str]:
    return re.findall(r'<input type="radio" name="window"[^>]*>', page)


def test_the_guest_picks_a_window_shown_in_the_events_zone(event, invite, preview, afternoon):
    page = text(Client().get(url(invite)))
    assert "When will you come?" in page
    assert "Times in the event's time zone (Europe/Zurich)" in page
    start = preview.starts_at.astimezone(event.tz)
    assert f"{start:%H}:00" in page and "VIP Preview" in page
    assert "2 places left" in page and "10 places left" in page
    assert len(radios(page)) == 2

    browser = Client()
    response = browser.post(url(invite), {"answer": "accept", "window": afternoon.public_id})
    assert response.status_code == 302
    invite.refresh_from_db()
    assert (invite.status, invite.entry_window) == (Invite.Status.ACCEPTED, afternoon)
    response = browser.get(url(invite))
    assert "Your entry: Afternoon" in words(response)
    assert re.search(rf'value="{afternoon.public_id}"[^>]*checked', text(response))


def test_accepting_without_a_choice_asks_for_one_next_to_the_field(invite):
    response = Client().post(url(invite), {"answer": "accept"})
    assert response.status_code == 422
    page = text(response)
    assert re.search(r'id="id_window_error"><li>Please choose when you will come.', page)
    invite.refresh_from_db()
    assert invite.status != Invite.Status.ACCEPTED


def test_a_full_window_is_disabled_and_a_refusal_offers_the_others(
    event, portal, vip, invite, preview
):
    [other] = invites_of(event, portal=portal, invite_type=vip)
    respond(other, accept=True, window=preview)  # 1 of 2 left
    response = Client().post(
        url(invite), {"answer": "accept", "plus_ones": "1", "window": preview.public_id}
    )
    assert response.status_code == 422
    page = text(response)
    assert "Sorry, VIP Preview has only 1 place left, and you asked for 2." in page
    assert "These still have room: Afternoon (10 places left)." in page

    respond(invite, accept=True, window=preview)  # the last place
    [third] = invites_of(event, portal=portal, invite_type=vip)
    page = text(Client().get(url(third)))
    [preview_radio, afternoon_radio] = radios(page)
    assert "disabled" in preview_radio and "disabled" not in afternoon_radio
    assert "full" in page


def test_the_only_window_is_shown_without_a_choice(event, group, portal, preview):
    only = add_type(group, "only", preview)
    [invite] = invites_of(event, portal=portal, invite_type=only)
    response = Client().get(url(invite))
    assert "Your entry: VIP Preview" in words(response) and radios(text(response)) == []
    assert Client().post(url(invite), {"answer": "accept"}).status_code == 302


def test_an_answer_that_needs_approval_says_it_waits(event, group, portal, preview):
    approval = add_type(group, "guest-list", preview, needs_approval=True)
    [invite] = invites_of(event, portal=portal, invite_type=approval)
    browser = Client()
    response = browser.post(url(invite), {"answer": "accept"}, follow=True)
    page = words(response)
    assert "Your answer is waiting for the organizer's approval." in page
    invite.refresh_from_db()
    assert invite.status == Invite.Status.PENDING
    assert "Update my answer" in page


# --- Multi-use links -------------------------------------------------------------------------


@pytest.fixture
def link(event, portal, group) -> Invite:
    team = add_type(group, "team", plus_ones_allowed=2)
    return invites_of(
        event, portal=portal, invite_type=team, uses=3, label="Galerie Nord team", guest_name=""
    )[0]


def test_a_link_opens_a_short_form_with_the_places_left(link):
    answer_link(link, name="Ada", email="ada@example.com")
    page = text(Client().get(url(link)))
    assert "2 of 3 places left on this link." in page
    assert "Galerie Nord team" in page
    assert 'name="name"' in page and 'name="email"' in page and 'name="plus_ones"' in page
    assert 'name="answer"' not in page
    assert "You may bring up to 2 guests." in page


def test_submitting_a_link_leads_to_the_guests_own_page(link):
    browser = Client()
    response = browser.post(
        url(link), {"name": "Bea Berg", "email": "bea@example.com", "plus_ones": "2"}
    )
    answer = link.answers.get()
    assert response.status_code == 302 and response["Location"] == url(answer)
    page = words(browser.get(url(answer)))
    assert "Dear Bea Berg" in page
    assert "you'll be there" in page and "with 2 guests" in page
    assert "Galerie Nord" in page


def test_the_same_email_twice_is_refused_next_to_the_email(link):
    answer_link(link, name="Ada", email="ada@example.com")
    response = Client().post(url(link), {"name": "Ada", "email": "Ada@example.com"})
    assert response.status_code == 422
    assert re.search(r'id="id_email_error"><li>Someone with this email', text(response))
    assert link.answers.count() == 1


def test_a_used_up_link_says_so_and_shows_no_form(link):
    for n in range(3):
        answer_link(link, name=f"G{n}", email=f"g{n}@example.com")
    page = text(Client().get(url(link)))
    assert "every place on this link has been taken" in page and 'name="email"' not in page
    response = Client().post(url(link), {"name": "Late", "email": "late@example.com"})
    assert response.status_code == 422
    assert link.answers.count() == 3


def test_a_link_with_windows_asks_for_one(event, portal, vip, afternoon):
    [team_link] = invites_of(event, portal=portal, invite_type=vip, uses=5)
    response = Client().post(url(team_link), {"name": "Cy", "email": "cy@example.com"})
    assert response.status_code == 422
    assert "Please choose when you will come." in text(response)
    response = Client().post(
        url(team_link),
        {"name": "Cy", "email": "cy@example.com", "window": afternoon.public_id},
    )
    assert response.status_code == 302
    assert team_link.answers.get().entry_window == afternoon
