"""Every plain-text email carries the brand footer the HTML part has: the
organizer's footer text and privacy and imprint addresses, from one include
(templates/emails/_brand_footer.txt)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail

from artsvp.emails import render_email
from invites.sending import queue_invite_emails
from organizations.models import OrganizationBrand
from organizations.services import invite_teammate
from portals.services import send_portal_link
from tests.invites.helpers import assign

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INCLUDE = '{% include "emails/_brand_footer.txt" %}'
FOOTER = "Basel Art Week AG · Messeplatz 10, 4058 Basel"
PRIVACY = "https://baselartweek.example/privacy?a=1&b=2"
IMPRINT = "https://baselartweek.example/imprint"


@pytest.fixture
def brand(org: Any) -> OrganizationBrand:
    return OrganizationBrand.objects.create(
        organization=org, footer_text=FOOTER, privacy_url=PRIVACY, imprint_url=IMPRINT
    )


def assert_footer(body: Any) -> None:
    text = str(body)
    assert FOOTER in text
    # Plain text: the addresses as they are, never HTML-escaped.
    assert f"Privacy policy: {PRIVACY}" in text
    assert f"Imprint: {IMPRINT}" in text


def test_every_text_body_includes_the_brand_footer() -> None:
    bodies = sorted((TEMPLATES / "emails").glob("*-body.txt"))
    assert len(bodies) > 15
    bodies.append(TEMPLATES / "account" / "email" / "base_message.txt")
    missing = [path.name for path in bodies if INCLUDE not in path.read_text()]
    assert missing == []


def test_an_exhibitors_invite_text_carries_the_fairs_footer(
    brand: Any, portal_invite: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queue_invite_emails([portal_invite], subject="", message="")
    message = mail.outbox[-1]
    assert_footer(message.body)
    # The footer ends the message, after the guest's link.
    assert message.body.index(portal_invite.token) < message.body.index(FOOTER)


def test_organizer_emails_text_carries_the_footer(
    brand: Any, org: Any, portal: Any, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assign(portal)
    with django_capture_on_commit_callbacks(execute=True):
        send_portal_link(portal, actor=alice)
        invite_teammate(org, email="new@example.com", role="member", invited_by=alice)
    portal_link, team = mail.outbox[-2:]
    assert_footer(portal_link.body)
    assert_footer(team.body)


def test_without_a_brand_the_text_has_no_empty_footer(portal_invite: Any) -> None:
    text = render_email("invite", {"event": portal_invite.event, "invite": portal_invite}).text
    assert "Privacy policy:" not in text and "Imprint:" not in text
    assert not text.rstrip().endswith("--")
