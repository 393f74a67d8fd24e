"""door/: the check-in pass, the confirmation and cancellation emails, the .ics and the QR code."""

from __future__ import annotations

from email.mime.base import MIMEBase
from zoneinfo import ZoneInfo

import pytest
import segno
from django.core import mail
from icalendar import Calendar

from deliveries.models import Delivery
from door.models import CODE_ALPHABET, CheckInPass, normalize_code
from door.qr import qr_png, qr_svg
from door.services import CANCELLATION, CONFIRMATION, replace_code
from invites.answers import respond
from invites.approvals import approve, decline_pending
from invites.emails import INVITE_TEMPLATE
from tests.invites.windows import add_type, add_window, invites_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(django_capture_on_commit_callbacks):
    """Answer as the guest does, the outbox sending at once (eager Celery)."""

    def run(invite, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return respond(invite, **kwargs)

    return run


@pytest.fixture
def windows(event):
    return add_window(event, "Preview", hour=11), add_window(event, "Evening", hour=18)


@pytest.fixture
def invite(event, group, windows):
    typed = add_type(group, "vip", *windows, plus_ones_allowed=2)
    [invite] = invites_of(event, invite_type=typed)
    return invite


def files(message):
    """{content type: (part, payload bytes)} of a sent message's attachments."""
    found = {}
    for attachment in message.attachments:
        assert isinstance(attachment, MIMEBase)
        found[attachment.get_content_type()] = (attachment, attachment.get_payload(decode=True))
    return found


def calendar_of(message):
    part, payload = files(message)["text/calendar"]
    calendar = Calendar.from_ical(payload)
    [entry] = calendar.walk("VEVENT")
    return part, calendar, entry


def test_accepting_sends_one_confirmation_with_the_code_qr_and_calendar(
    answer, invite, windows, event
):
    answer(invite, accept=True, plus_ones=1, window=windows[0])
    check_in_pass = CheckInPass.objects.get(invite=invite)
    [message] = mail.outbox
    assert message.to == [invite.guest_email]
    assert message.subject == "Your check-in code for Spring Fair"
    html = str(message.alternatives[0][0])
    assert check_in_pass.display_code in message.body and check_in_pass.display_code in html
    assert "Messe Basel, Hall 2" in message.body
    assert "Your entry: Preview, " in message.body
    # The window's time in the event's zone, with the zone.
    local = windows[0].starts_at.astimezone(ZoneInfo("Europe/Zurich"))
    assert f"{local:%H:%M}\N{EN DASH}" in message.body
    assert "CET" in message.body or "CEST" in message.body
    assert "With 1 guest." in message.body
    assert "calendar.google.com/calendar/render?action=TEMPLATE" in message.body
    assert f"/i/{invite.token}/calendar.ics" in message.body
    # The QR code is an inline image of the check-in code, not of the RSVP link.
    png_part, png = files(message)["image/png"]
    assert png_part["Content-ID"] == "<check-in-qr>"
    assert 'src="cid:check-in-qr"' in html
    assert png == qr_png(check_in_pass.code)
    assert invite.token not in check_in_pass.code
    # The calendar entry.
    part, calendar, entry = calendar_of(message)
    assert part.get_param("method") == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    assert str(entry["UID"]) == f"{invite.public_id}@artsvp"
    assert int(entry["SEQUENCE"]) == 0
    assert entry.decoded("DTSTART") == windows[0].starts_at
    assert entry.decoded("DTEND") == windows[0].ends_at
    assert str(entry["LOCATION"]) == "Messe Basel, Hall 2"
    assert invite.token not in payload_text(message)


def payload_text(message):
    return files(message)["text/calendar"][1].decode()


def test_the_check_in_code_is_a_separate_typable_secret(answer, invite):
    answer(invite, accept=True, window=invite.event.entry_windows.first())
    code = CheckInPass.objects.get(invite=invite).code
    assert len(code) == 20 and set(code) <= set(CODE_ALPHABET)  # ~99 bits
    assert code not in invite.token
    assert normalize_code(CheckInPass.objects.get(invite=invite).display_code.lower()) == code


def test_the_confirmation_is_outside_the_send_limit(answer, invite, windows):
    answer(invite, accept=True, window=windows[0])
    rows = Delivery.objects.filter(object_id=invite.pk)
    assert [row.template for row in rows] == [CONFIRMATION]
    assert not rows.filter(template=INVITE_TEMPLATE).exists()


def test_answering_the_same_again_sends_nothing_more(answer, invite, windows):
    answer(invite, accept=True, plus_ones=1, window=windows[0])
    answer(invite, accept=True, plus_ones=1, window=windows[0])
    assert len(mail.outbox) == 1


def test_more_plus_ones_confirm_again_with_the_same_time_and_sequence(answer, invite, windows):
    answer(invite, accept=True, plus_ones=0, window=windows[0])
    answer(invite, accept=True, plus_ones=2, window=windows[0])
    first, second = mail.outbox
    assert "With 2 guests." in second.body
    assert calendar_of(first)[2]["UID"] == calendar_of(second)[2]["UID"]
    assert int(calendar_of(second)[2]["SEQUENCE"]) == 0


def test_another_window_bumps_the_sequence_and_moves_the_entry(answer, invite, windows):
    answer(invite, accept=True, window=windows[0])
    answer(invite, accept=True, window=windows[1])
    _first, second = mail.outbox
    _part, _calendar, entry = calendar_of(second)
    assert str(entry["UID"]) == f"{invite.public_id}@artsvp"
    assert int(entry["SEQUENCE"]) == 1
    assert entry.decoded("DTSTART") == windows[1].starts_at
    assert "Your entry: Evening, " in second.body


def test_declining_after_accepting_cancels_the_entry(answer, invite, windows):
    answer(invite, accept=True, window=windows[0])
    answer(invite, accept=False)
    _first, cancel = mail.outbox
    assert cancel.subject == "Cancelled: Spring Fair"
    part, calendar, entry = calendar_of(cancel)
    assert part.get_param("method") == "CANCEL"
    assert calendar["METHOD"] == "CANCEL"
    assert str(entry["UID"]) == f"{invite.public_id}@artsvp"
    assert int(entry["SEQUENCE"]) == 1
    assert str(entry["STATUS"]) == "CANCELLED"
    assert "image/png" not in files(cancel)
    # Accepting again confirms again, with a newer sequence.
    answer(invite, accept=True, window=windows[0])
    assert int(calendar_of(mail.outbox[2])[2]["SEQUENCE"]) == 2


def test_declining_without_having_accepted_sends_nothing(answer, invite):
    answer(invite, accept=False)
    assert mail.outbox == []
    assert not CheckInPass.objects.exists()


def test_a_pending_answer_gets_nothing_and_approval_confirms(
    event, group, windows, alice, answer, django_capture_on_commit_callbacks
):
    waiting = add_type(group, "guest-list", windows[0], needs_approval=True)
    [invite] = invites_of(event, invite_type=waiting)
    answer(invite, accept=True, window=windows[0])
    assert not CheckInPass.objects.exists()
    assert not Delivery.objects.filter(template=CONFIRMATION).exists()
    with django_capture_on_commit_callbacks(execute=True):
        approve(invite, actor=alice)
    assert Delivery.objects.filter(template=CONFIRMATION, object_id=invite.pk).count() == 1
    assert CheckInPass.objects.filter(invite=invite).exists()


def test_declining_a_pending_answer_sends_no_cancellation(
    event, group, windows, alice, answer, django_capture_on_commit_callbacks
):
    waiting = add_type(group, "guest-list", windows[0], needs_approval=True)
    [invite] = invites_of(event, invite_type=waiting)
    answer(invite, accept=True, window=windows[0])
    with django_capture_on_commit_callbacks(execute=True):
        decline_pending(invite, actor=alice)
    assert not Delivery.objects.filter(template__in=[CONFIRMATION, CANCELLATION]).exists()


def test_a_guest_without_email_gets_a_pass_but_no_email(answer, event):
    [invite] = invites_of(event, guest_email="")
    answer(invite, accept=True)
    assert CheckInPass.objects.filter(invite=invite).exists()
    assert mail.outbox == []


def test_a_confirmation_is_skipped_if_the_guest_declined_before_it_went(
    invite, windows, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        respond(invite, accept=True, window=windows[0])
    # The answer's callback (the door) runs; the outbox's send is not run yet.
    callbacks[0]()
    respond(invite, accept=False)
    confirmation = Delivery.objects.get(template=CONFIRMATION)
    from deliveries.services.sending import send_queued_delivery

    send_queued_delivery(confirmation.pk)
    confirmation.refresh_from_db()
    assert confirmation.status == Delivery.Status.FAILED
    assert mail.outbox == []


def test_replacing_the_code_stops_the_old_one_and_emails_the_new(
    answer, invite, windows, alice, django_capture_on_commit_callbacks
):
    answer(invite, accept=True, window=windows[0])
    old = CheckInPass.objects.get(invite=invite).code
    with django_capture_on_commit_callbacks(execute=True):
        replaced = replace_code(invite, actor=alice)
    assert replaced.code != old and replaced.replaced_at is not None
    assert not CheckInPass.objects.filter(code=old).exists()
    _first, second = mail.outbox
    assert replaced.display_code in second.body and old not in second.body
    assert files(second)["image/png"][1] == qr_png(replaced.code)
    assert int(calendar_of(second)[2]["SEQUENCE"]) == 0


def test_the_qr_code_holds_exactly_the_check_in_code():
    code = "ABCDEFGHJKMNPQRSTUVW"
    expected = segno.make_qr(code, error="m")
    assert qr_png(code) == _png(expected)
    assert expected.svg_inline(scale=6, border=4, dark="#000", light="#fff") == str(qr_svg(code))
    assert expected.designator.endswith("M")


def _png(qr):
    import io

    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


# --- Injection --------------------------------------------------------------------------------


def test_cr_lf_in_names_adds_no_header_nor_calendar_property(answer, event, windows):
    event.name = "Fair\r\nBcc: victim@example.com"
    event.venue = "Hall 1\r\nATTENDEE:mailto:evil@example.com"
    event.save()
    [invite] = invites_of(
        event, guest_name="Eve\r\nX-Injected: yes\r\nORGANIZER:mailto:evil@example.com"
    )
    answer(invite, accept=True, window=windows[0])
    [message] = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    headers = message.message().as_bytes().split(b"\n\n", 1)[0]
    assert b"\nBcc:" not in headers and b"\nX-Injected:" not in headers
    assert message.message()["Subject"] == "Your check-in code for Fair Bcc: victim@example.com"
    ics = payload_text(message)
    lines = ics.replace("\r\n ", "").split("\r\n")
    assert not any(line.startswith("X-Injected") for line in lines)
    assert [line for line in lines if line.startswith("ORGANIZER")] == [
        line for line in lines if line.startswith("ORGANIZER") and "noreply" in line
    ]
    assert len([line for line in lines if line.startswith("ATTENDEE")]) == 1
    _part, _calendar, entry = calendar_of(message)
    # The venue keeps its text, escaped (`\\n`): one LOCATION value with the line break in it.
    assert "LOCATION:Hall 1\\nATTENDEE:mailto:evil@example.com" in lines
    assert str(entry["LOCATION"]) == "Hall 1\nATTENDEE:mailto:evil@example.com"
    assert "evil@example.com" not in str(entry["ATTENDEE"])
