"""Who an email says it is from: "Galerie Nord via Basel Art Week" at the
platform's address for an exhibitor's invites, the organization for the
organizer's own emails; and what a hostile sender name cannot do."""

from __future__ import annotations

from email import message_from_bytes
from email.header import decode_header, make_header
from email.utils import getaddresses
from typing import Any

import pytest
from django.core import mail
from django.utils import translation

from artsvp.emails import MAX_DISPLAY_NAME, from_header, sender_display_name
from invites.models import Invite
from invites.sending import queue_invite_emails
from organizations.models import Organization
from portals.models import Portal
from portals.services import send_portal_link
from tests.invites.helpers import assign

pytestmark = pytest.mark.django_db


def sent_invite(invite: Invite, capture: Any) -> Any:
    with capture(execute=True):
        queue_invite_emails([invite], subject="", message="")
    return mail.outbox[-1]


def wire_headers(message: Any) -> Any:
    """The message as the mail server receives it, parsed back."""
    return message_from_bytes(message.message().as_bytes())


def from_name_and_address(parsed: Any) -> tuple[str, str]:
    raw = str(make_header(decode_header(parsed["From"])))
    [(name, address)] = getaddresses([raw])
    return name, address


def test_an_exhibitors_invite_is_from_the_gallery_via_the_fair_and_replies_reach_the_gallery(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.DEFAULT_FROM_EMAIL = "artsvp <noreply@artsvp.example>"
    message = sent_invite(portal_invite, django_capture_on_commit_callbacks)
    # Quoted only where RFC 5322 needs it: words and spaces read the same either way.
    assert message.from_email == "Galerie Nord via Basel Art Week <noreply@artsvp.example>"
    assert message.reply_to == ["owner@galerie-nord.example"]
    parsed = wire_headers(message)
    assert from_name_and_address(parsed) == (
        "Galerie Nord via Basel Art Week",
        "noreply@artsvp.example",
    )
    assert parsed["Reply-To"] == "owner@galerie-nord.example"


def test_the_owners_sender_name_is_used_and_a_rename_before_the_send_shows_the_new_name(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    portal = portal_invite.portal
    assert portal is not None
    Portal.objects.filter(pk=portal.pk).update(sender_name="Nord Gallery, Basel")
    message = sent_invite(portal_invite, django_capture_on_commit_callbacks)
    assert (
        from_name_and_address(wire_headers(message))[0] == "Nord Gallery, Basel via Basel Art Week"
    )


def test_via_reads_in_the_language_the_email_renders_in() -> None:
    with translation.override("de"):
        german = sender_display_name("Galerie Nord", via="Basel Art Week")
    assert german.startswith("Galerie Nord") and german.endswith("Basel Art Week")
    assert sender_display_name("Galerie Nord", via="") == "Galerie Nord"
    # The organizer's own invites: one name, not "X via X".
    assert sender_display_name("Basel Art Week", via="basel art week") == "Basel Art Week"


@pytest.mark.parametrize(
    "name",
    [
        'Galerie "Nord", Basel',
        "Galerie Nörd \u2013 Zürich",
        "Galerie Nord\r\nBcc: victim@evil.example",
        "Galerie\nNord\rX-Injected: yes",
        "=?utf-8?q?Fake?= <boss@evil.example>",
        "N" * 500,
    ],
)
def test_a_hostile_or_odd_sender_name_is_encoded_or_cleaned_and_adds_no_header(
    name: str, portal_invite: Invite, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.DEFAULT_FROM_EMAIL = "artsvp <noreply@artsvp.example>"
    portal = portal_invite.portal
    assert portal is not None
    Portal.objects.filter(pk=portal.pk).update(sender_name=name[:100])
    message = sent_invite(portal_invite, django_capture_on_commit_callbacks)
    parsed = wire_headers(message)
    assert parsed.get_all("Bcc") is None and parsed.get_all("X-Injected") is None
    assert len(parsed.get_all("From")) == 1
    shown, address = from_name_and_address(parsed)
    assert address == "noreply@artsvp.example"
    assert "\r" not in shown and "\n" not in shown
    assert len(shown) <= MAX_DISPLAY_NAME
    assert shown.endswith("via Basel Art Week")
    assert message.to == ["ada@example.com"]


def test_a_long_name_is_cut_and_control_characters_are_gone() -> None:
    header = from_header("x" * 300, via="Basel Art Week")
    name = getaddresses([header])[0][0]
    assert len(name) == MAX_DISPLAY_NAME and name.endswith("… via Basel Art Week")
    assert len(sender_display_name("y" * 300)) == MAX_DISPLAY_NAME
    assert "\n" not in from_header("a\nb\x00c")


def test_the_organizers_own_invite_is_from_the_organization(
    make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invite = make_invites(1, names=["Ada"], emails=["ada@example.com"])[0]
    message = sent_invite(invite, django_capture_on_commit_callbacks)
    assert from_name_and_address(wire_headers(message))[0] == "Basel Art Week"


def test_the_portal_link_email_is_from_the_organization(
    portal: Portal, org: Organization, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assign(portal)
    with django_capture_on_commit_callbacks(execute=True):
        send_portal_link(portal, actor=alice)
    message = mail.outbox[-1]
    assert from_name_and_address(wire_headers(message))[0] == org.name


def test_a_team_invitation_is_from_the_organization_and_the_operators_mail_from_the_platform(
    org: Organization, alice: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    from organizations.services import invite_teammate

    settings.DEFAULT_FROM_EMAIL = "artsvp <noreply@artsvp.example>"
    with django_capture_on_commit_callbacks(execute=True):
        invite_teammate(org, email="new@example.com", role="member", invited_by=alice)
    assert from_name_and_address(wire_headers(mail.outbox[-1])) == (
        "Basel Art Week",
        "noreply@artsvp.example",
    )
    # Nothing about an organization (an account email): the platform's own name.
    assert from_header("") == "artsvp <noreply@artsvp.example>"
