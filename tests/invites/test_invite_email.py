"""What the guest receives, and what a hostile name, subject or message cannot do."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from deliveries.models import Delivery
from invites.emails import (
    DEFAULT_INVITE_MESSAGE,
    DEFAULT_INVITE_SUBJECT,
    fill_placeholders,
    preview_invite_email,
    unknown_placeholders,
)
from invites.models import Invite
from invites.sending import queue_invite_emails

pytestmark = pytest.mark.django_db

EVIL_NAME = "Eve\r\nBcc: x@evil.example"


def send_one(invite: Invite, capture: Any, *, subject: str, message: str) -> Any:
    with capture(execute=True):
        queue_invite_emails([invite], subject=subject, message=message)
    assert Delivery.objects.get(invite=invite).status == Delivery.Status.SENT
    return mail.outbox[-1]


def test_placeholders_are_filled_once_and_unknown_ones_stay() -> None:
    values = {"name": "{{ event }}", "event": "Spring Fair", "portal": "Nord"}
    text = "{{name}} / {{ event }} / {{  portal  }} / {{ other }}"
    assert fill_placeholders(text, values) == "{{ event }} / Spring Fair / Nord / {{ other }}"
    assert unknown_placeholders("{{ name }} {{ secret_key }} {{ guest }}") == [
        "guest",
        "secret_key",
    ]


def test_a_blank_subject_and_message_get_the_standard_ones(
    make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invite = make_invites(1, names=[""], emails=["nameless@example.com"])[0]
    email = send_one(invite, django_capture_on_commit_callbacks, subject="", message="")
    standard = preview_invite_email(
        invite, subject=str(DEFAULT_INVITE_SUBJECT), message=str(DEFAULT_INVITE_MESSAGE)
    )
    assert (email.subject, email.body) == (standard.subject, standard.text)
    assert email.subject == "You're invited to Spring Fair"
    # An organizer's own invite is from the organization.
    assert email.body.startswith("Hello there,\n\nBasel Art Week would like to invite you")
    assert "Messe Basel, Hall 2" in email.body


def test_a_name_with_a_line_break_adds_no_header(
    make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invite = make_invites(1, names=[EVIL_NAME], emails=["eve@example.com"])[0]
    email = send_one(
        invite,
        django_capture_on_commit_callbacks,
        subject="For {{ name }}: {{ event }}",
        message="Dear {{ name }}",
    )
    assert email.subject == "For Eve Bcc: x@evil.example: Spring Fair"
    assert email.bcc == [] and email.cc == []
    assert email.recipients() == ["eve@example.com"]
    mime = email.message()
    assert mime.get_all("Bcc") is None
    assert mime["To"] == "eve@example.com"
    assert [name for name, value in mime.items() if "evil" in value] == ["Subject"]


def test_a_subject_with_a_line_break_adds_no_header(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    email = send_one(
        portal_invite,
        django_capture_on_commit_callbacks,
        subject="Hello\r\nBcc: x@evil.example\nX-Injected: yes",
        message="Hi",
    )
    mime = email.message()
    assert email.subject == "Hello Bcc: x@evil.example X-Injected: yes"
    assert mime.get_all("Bcc") is None and mime.get_all("X-Injected") is None
    assert email.recipients() == ["ada@example.com"]


def test_a_portal_name_with_a_line_break_adds_no_header(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    portal = portal_invite.portal
    portal.name = "Nord\nBcc: x@evil.example"
    portal.save()
    email = send_one(
        portal_invite, django_capture_on_commit_callbacks, subject="From {{ portal }}", message=""
    )
    assert email.subject == "From Nord Bcc: x@evil.example"
    assert email.message().get_all("Bcc") is None


def test_template_code_in_a_message_stays_literal_text(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    hostile = "{{ settings.SECRET_KEY }} {% load static %}{% debug %} {{ invite.token }}"
    email = send_one(
        portal_invite,
        django_capture_on_commit_callbacks,
        subject="{% now 'Y' %} {{ invite.token }}",
        message=hostile,
    )
    html = email.alternatives[0][0]
    assert email.subject == "{% now 'Y' %} {{ invite.token }}"
    assert hostile in email.body
    assert "{{ settings.SECRET_KEY }} {% load static %}{% debug %}" in html.replace("&#x27;", "'")
    assert settings.SECRET_KEY not in email.body + html + email.subject
    # The token appears once: in the real link, never through the message.
    assert email.body.count(portal_invite.token) == 1


def test_html_in_a_message_is_escaped_in_the_html_part(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    email = send_one(
        portal_invite,
        django_capture_on_commit_callbacks,
        subject="Hi",
        message='<a href="https://evil.example">Claim your prize</a>',
    )
    html = email.alternatives[0][0]
    assert "https://evil.example" in html
    assert '<a href="https://evil.example">' not in html
    assert "&lt;a href=" in html
    # The plain text part is plain: nothing to escape there.
    assert '<a href="https://evil.example">Claim your prize</a>' in email.body


def test_the_preview_is_what_the_guest_receives(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    preview = preview_invite_email(portal_invite, subject="Hi {{ name }}", message="Come!")
    email = send_one(
        portal_invite, django_capture_on_commit_callbacks, subject="Hi {{ name }}", message="Come!"
    )
    assert preview.subject == email.subject == "Hi Ada Lovelace"
    assert preview.text == email.body
    assert preview.html == email.alternatives[0][0]


def test_the_event_time_is_followed_by_its_zone_once(portal_invite: Invite) -> None:
    email = preview_invite_email(portal_invite, subject="", message="")
    zone = f"Europe/Zurich ({portal_invite.event.local_starts_at:%Z})"
    assert f" · {zone}\n" in email.text
    assert f" · {zone}<br>Messe Basel, Hall 2" in email.html
    assert "(Europe/Zurich" not in email.text + email.html
