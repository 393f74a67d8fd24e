"""invites/answer_for_guest_views.py: the organizer records a guest's answer given by
phone or email, with the guest page's rules, refusals and confirmation."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from door.models import CheckInPass, EventGrant
from door.walk_ins import add_walk_in
from events.models import Event
from invites.models import Invite
from organizations.models import Membership
from tests.invites.helpers import assign
from tests.invites.windows import add_window, invites_of

pytestmark = pytest.mark.django_db


def answer_url(org, invite) -> str:
    return reverse("invites:answer_for_guest", args=[org.slug, invite.event.slug, invite.public_id])


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def record(alice_client, django_capture_on_commit_callbacks):
    """Post the form as the organizer, the confirmation sent at once (eager outbox)."""

    def post(org, invite, **data):
        with django_capture_on_commit_callbacks(execute=True):
            return alice_client.post(answer_url(org, invite), data)

    return post


def test_the_guest_list_offers_to_record_an_answer(org, event, alice_client):
    [invite] = invites_of(event)

    page = text(alice_client.get(reverse("invites:guest_list", args=[org.slug, event.slug])))

    assert answer_url(org, invite) in page and "Record answer" in page


def test_accepting_for_a_guest_records_it_and_sends_their_confirmation(
    org, event, record, alice_client
):
    preview = add_window(event, "Preview", hour=11)
    add_window(event, "Evening", hour=18)
    [invite] = invites_of(event, plus_ones_allowed=2, guest_email="phone@example.com")
    page = text(alice_client.get(answer_url(org, invite)))
    assert "Guests coming with them" in page and "Preview" in page and "Evening" in page

    response = record(org, invite, answer="accept", plus_ones="1", window=preview.public_id)

    assert response.status_code == 302
    assert response["Location"] == reverse("invites:guest_list", args=[org.slug, event.slug])
    invite.refresh_from_db()
    assert (invite.status, invite.plus_ones, invite.entry_window) == ("accepted", 1, preview)
    [message] = mail.outbox
    assert message.to == ["phone@example.com"]
    assert CheckInPass.objects.get(invite=invite).display_code in message.body
    listed = text(alice_client.get(response["Location"]))
    assert "is coming: their confirmation is on its way" in listed


def test_declining_for_a_guest_records_it(org, event, record):
    [invite] = invites_of(event)

    assert record(org, invite, answer="decline").status_code == 302

    invite.refresh_from_db()
    assert invite.status == Invite.Status.DECLINED


def test_refusals_are_the_guest_pages_next_to_the_same_fields(org, event, record):
    full = add_window(event, "Preview", hour=11, capacity=1)
    add_window(event, "Evening", hour=18)
    [first, invite] = invites_of(event, 2, plus_ones_allowed=1)
    record(org, first, answer="accept", window=full.public_id)

    missing_window = record(org, invite, answer="accept")
    window_full = record(org, invite, answer="accept", plus_ones="0", window=full.public_id)
    too_many = record(org, invite, answer="accept", plus_ones="5")

    assert missing_window.status_code == 422
    assert missing_window.context["form"].errors["window"] == ["Please choose when you will come."]
    assert window_full.status_code == 422
    assert window_full.context["form"].errors["window"][0].startswith("Sorry, Preview is full.")
    assert too_many.status_code == 422
    assert "plus_ones" in too_many.context["form"].errors
    invite.refresh_from_db()
    assert invite.status == Invite.Status.CREATED


def test_a_blank_link_needs_the_guests_name_and_email(org, event, record):
    [blank] = invites_of(event, guest_name="", guest_email="")

    refused = record(org, blank, answer="accept", name="", email="not an email")
    accepted = record(org, blank, answer="accept", name="Phone Caller", email="pc@example.com")

    assert refused.status_code == 422
    assert set(refused.context["form"].errors) == {"name", "email"}
    assert accepted.status_code == 302
    blank.refresh_from_db()
    assert (blank.guest_name, blank.status) == ("Phone Caller", "accepted")


def test_closed_answers_are_shown_and_nothing_changes(org, event, record, alice_client):
    [invite] = invites_of(event)
    Event.objects.filter(pk=event.pk).update(rsvp_open=False)

    page = text(alice_client.get(answer_url(org, invite)))
    refused = record(org, invite, answer="decline")

    assert "The organizer has closed answers for this event." in page
    assert refused.status_code == 422
    invite.refresh_from_db()
    assert invite.status == Invite.Status.CREATED


def test_a_revoked_invite_cannot_be_answered(org, event, record):
    [invite] = invites_of(event, status=Invite.Status.REVOKED)

    refused = record(org, invite, answer="accept")

    assert refused.status_code == 422
    assert "withdrawn" in text(refused)
    invite.refresh_from_db()
    assert invite.status == Invite.Status.REVOKED


def test_a_portals_guest_can_be_answered_once_the_organizer_sees_them(org, event, portal, record):
    assign(portal)
    [hidden] = invites_of(event, portal=portal)
    [shared] = invites_of(event, portal=portal, shared_with_organizer=True)

    assert record(org, hidden, answer="decline").status_code == 404
    assert record(org, shared, answer="decline").status_code == 302


def test_links_for_several_guests_and_walk_ins_have_no_such_page(org, event, alice, alice_client):
    [link] = invites_of(event, uses=5)
    walk_in = add_walk_in(event, name="Wanda", staff=alice).invite

    assert alice_client.get(answer_url(org, link)).status_code == 404
    assert alice_client.get(answer_url(org, walk_in)).status_code == 404


def test_charlie_gets_404(org, event, charlie_client):
    [invite] = invites_of(event)

    assert charlie_client.get(answer_url(org, invite)).status_code == 404
    assert charlie_client.post(answer_url(org, invite), {"answer": "decline"}).status_code == 404
    invite.refresh_from_db()
    assert invite.status == Invite.Status.CREATED


def test_check_in_staff_get_404(org, event, bob, client):
    Membership.objects.filter(organization=org, user=bob).update(role=Membership.Role.CHECK_IN)
    # Check-in staff of this very event: the door is theirs, answering for guests is not.
    EventGrant.objects.create(
        organization=org,
        event=event,
        membership=Membership.objects.get(organization=org, user=bob),
        email=bob.email,
        expires_at=event.ends_at + timedelta(days=1),
    )
    [invite] = invites_of(event)
    client.force_login(bob)

    assert client.get(answer_url(org, invite)).status_code == 404
