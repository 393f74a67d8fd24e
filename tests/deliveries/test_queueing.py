"""Queueing a message and rendering it at send time, whatever app queued it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from deliveries import rendering, services
from deliveries.models import Delivery
from deliveries.services import queue_email
from organizations.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def builders() -> Any:
    saved = dict(rendering._BUILDERS)
    yield rendering
    rendering._BUILDERS.clear()
    rendering._BUILDERS.update(saved)


def test_a_registered_builder_turns_stored_ids_into_the_email_at_send_time(
    builders: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    @builders.email_context("team-invitation")
    def team_invitation(delivery: Delivery) -> dict[str, Any]:
        if delivery.context.get("cancelled"):
            raise builders.SkipDelivery("The invitation was cancelled.")
        organization = Organization.objects.get(pk=delivery.context["organization_id"])
        return {"organization": organization, "role": "Admin", "accept_url": "/x/", "valid_days": 3}

    with django_capture_on_commit_callbacks(execute=True):
        wanted = queue_email(
            "team-invitation", to="a@example.com", context={"organization_id": org.pk}
        )
        Organization.objects.filter(pk=org.pk).update(name="Basel Art Week 2026")
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = queue_email("team-invitation", to="b@example.com", context={"cancelled": True})

    assert [m.subject for m in mail.outbox] == [
        "You're invited to join Basel Art Week 2026 on artsvp"
    ]
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.last_error) == ("failed", "The invitation was cancelled.")
    wanted.refresh_from_db()
    assert wanted.status == "sent"


def test_an_email_without_a_builder_renders_its_stored_context(
    builders: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # The product's emails all have a builder (organizations/emails.py has
    # this one's); without it, the row's context is rendered as it is.
    del builders._BUILDERS["team-invitation"]
    with django_capture_on_commit_callbacks(execute=True):
        queue_email(
            "team-invitation",
            to="new@example.com",
            organization=org,
            context={
                "organization": {"name": "Basel Art Week"},
                "role": "Member",
                "inviter_email": "alice@example.com",
                "accept_url": "/invitations/abc/",
                "valid_days": 14,
            },
            reply_to="alice@example.com",
        )
    email = mail.outbox[0]
    assert email.subject == "alice@example.com invited you to join Basel Art Week on artsvp"
    assert "http://127.0.0.1:8000/invitations/abc/" in email.body
    assert email.reply_to == ["alice@example.com"]


def test_a_bad_address_is_refused_before_anything_is_queued(org: Any) -> None:
    with pytest.raises(services.InvalidRecipient):
        queue_email("team-invitation", to="eve@example.com\nBcc: x@evil.example", context={})
    assert not Delivery.objects.exists()


def test_a_template_s_files_go_with_its_message(
    builders: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from artsvp.emails import Attachment

    saved = dict(rendering._ATTACHMENTS)

    @builders.email_attachments("team-invitation")
    def files(delivery: Delivery, context: dict[str, Any]) -> list[Attachment]:
        return [
            Attachment("logo.png", b"\x89PNG", "image/png", inline_id="logo"),
            Attachment(
                "invite.ics", b"BEGIN:VCALENDAR", "text/calendar", params={"method": "REQUEST"}
            ),
        ]

    del builders._BUILDERS["team-invitation"]
    context = {"organization": {"name": "Basel Art Week"}, "role": "Member", "accept_url": "/x/"}
    try:
        with django_capture_on_commit_callbacks(execute=True):
            queue_email("team-invitation", to="a@example.com", context=context)
    finally:
        rendering._ATTACHMENTS.clear()
        rendering._ATTACHMENTS.update(saved)
    [message] = mail.outbox
    raw = message.message()
    # An inline image makes the message multipart/related, the HTML beside its image.
    assert raw.get_content_type() == "multipart/related"
    image, calendar = message.attachments
    assert (image["Content-ID"], image.get_payload(decode=True)) == ("<logo>", b"\x89PNG")
    assert image["Content-Disposition"].startswith("inline")
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar["Content-Disposition"] == 'attachment; filename="invite.ics"'
