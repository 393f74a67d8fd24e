"""The door's pages: the pass on the guest page, the calendar file, replacing a code."""

from __future__ import annotations

import pytest
import segno
from django.core import mail
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from door.models import CheckInPass
from door.qr import qr_svg
from invites.answers import answer_link, respond
from tests.invites.windows import add_type, add_window, invites_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def window(event):
    return add_window(event, "Preview", hour=11)


@pytest.fixture
def accepted(event, window, django_capture_on_commit_callbacks):
    [invite] = invites_of(event)
    with django_capture_on_commit_callbacks(execute=True):
        respond(invite, accept=True, window=window)
    return invite


def guest_page(invite):
    return Client().get(reverse("invites:guest", args=[invite.token]))


def test_the_accepted_guest_sees_the_qr_code_and_the_code(accepted):
    check_in_pass = CheckInPass.objects.get(invite=accepted)
    page = guest_page(accepted).content.decode()
    assert check_in_pass.display_code in page
    # The page's QR code is the email's: the same code, the same matrix.
    assert str(qr_svg(check_in_pass.code)) in page
    assert (
        segno.make_qr(check_in_pass.code, error="m").svg_inline(
            scale=6, border=4, dark="#000", light="#fff"
        )
        in page
    )
    assert reverse("door:calendar", args=[accepted.token]) in page
    assert "<script" not in page.split("check-in-pass", 1)[1].split("</section>", 1)[0]


def test_no_qr_code_before_accepting_nor_for_a_pending_answer(event, group, window):
    [unanswered] = invites_of(event)
    assert "check-in-pass" not in guest_page(unanswered).content.decode()
    waiting = add_type(group, "guest-list", window, needs_approval=True)
    [pending] = invites_of(event, invite_type=waiting)
    respond(pending, accept=True, window=window)
    assert "check-in-pass" not in guest_page(pending).content.decode()
    assert Client().get(reverse("door:calendar", args=[pending.token])).status_code == 404


def test_a_declined_guest_no_longer_sees_the_code(accepted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        respond(accepted, accept=False)
    assert "check-in-pass" not in guest_page(accepted).content.decode()
    assert Client().get(reverse("door:calendar", args=[accepted.token])).status_code == 404


def test_the_calendar_file(accepted, window):
    response = Client().get(reverse("door:calendar", args=[accepted.token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    [entry] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(entry["UID"]) == f"{accepted.public_id}@artsvp"
    assert entry.decoded("DTSTART") == window.starts_at


def test_an_unknown_token_is_a_404(db):
    assert Client().get("/i/" + "x" * 32 + "/calendar.ics").status_code == 404


def test_a_guest_of_a_multi_use_link_is_confirmed(event, django_capture_on_commit_callbacks):
    [link] = invites_of(event, uses=5, guest_name="", guest_email="")
    with django_capture_on_commit_callbacks(execute=True):
        child = answer_link(link, name="Lena", email="lena@example.com")
    assert CheckInPass.objects.filter(invite=child).exists()
    assert not CheckInPass.objects.filter(invite=link).exists()
    [message] = mail.outbox
    assert message.to == ["lena@example.com"]


def replace_url(org, event, invite):
    return reverse("door:replace_code", args=[org.slug, event.slug, invite.public_id])


def test_the_organizer_replaces_a_code_from_the_guest_list(
    alice_client, org, event, accepted, django_capture_on_commit_callbacks
):
    guest_list = alice_client.get(reverse("invites:guest_list", args=[org.slug, event.slug]))
    assert replace_url(org, event, accepted) in guest_list.content.decode()
    old = CheckInPass.objects.get(invite=accepted).code
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(replace_url(org, event, accepted))
    assert response.status_code == 302
    new = CheckInPass.objects.get(invite=accepted).code
    assert new != old
    assert new in mail.outbox[-1].body.replace("-", "")
    assert old not in guest_page(accepted).content.decode().replace("-", "")


def test_replacing_a_code_of_a_guest_who_never_accepted_says_so(alice_client, org, event):
    [invite] = invites_of(event)
    guest_list = alice_client.get(reverse("invites:guest_list", args=[org.slug, event.slug]))
    # The row action is offered to accepted guests only.
    assert replace_url(org, event, invite) not in guest_list.content.decode()
    response = alice_client.post(replace_url(org, event, invite), follow=True)
    assert "haven&#x27;t accepted" in response.content.decode()
    assert not CheckInPass.objects.exists()


def test_charlie_gets_404_and_the_code_stays(charlie_client, org, event, accepted):
    old = CheckInPass.objects.get(invite=accepted).code
    assert charlie_client.post(replace_url(org, event, accepted)).status_code == 404
    assert CheckInPass.objects.get(invite=accepted).code == old


def test_replacing_needs_a_post(alice_client, org, event, accepted):
    assert alice_client.get(replace_url(org, event, accepted)).status_code == 405
