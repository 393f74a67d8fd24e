"""A guest's name is guest-written text: the organizer's preview of an email
to that guest must show it, never run it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from invites.models import Invite
from tests.csp import directives
from tests.invites.helpers import asks_to_sign_in
from tests.invites.test_send_pages import DEFAULTS, organizer_url, owner_client

pytestmark = pytest.mark.django_db

PAYLOAD = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def preview_page(client: Client, url: str, invite: Invite, **data: Any) -> str:
    response = client.post(url, {"invite": invite.public_id, "step": "preview", **DEFAULTS, **data})
    assert response.status_code == 200
    return response.content.decode()


def frame_url(page: str) -> str:
    match = re.search(r'<iframe class="email-preview"[^>]* src="([^"]+)"', page)
    assert match, "the preview has no frame"
    return match.group(1)


@pytest.fixture
def hostile_invite(make_invites: Any) -> Invite:
    return make_invites(1, names=[PAYLOAD], emails=["eve@example.com"])[0]


def test_a_guest_name_with_markup_shows_as_text_in_the_organizers_preview(
    alice_client: Client, event: Any, hostile_invite: Invite
) -> None:
    page = preview_page(
        alice_client,
        organizer_url("send", event),
        hostile_invite,
        subject="For {{ name }}",
        message="Dear {{ name }}, <script>alert(2)</script>",
    )

    assert PAYLOAD not in page
    assert "<script>alert(2)" not in page
    plain_text = page.split('<pre class="email-text">', 1)[1].split("</pre>", 1)[0]
    assert plain_text.startswith(f"Dear {ESCAPED}, &lt;script&gt;alert(2)&lt;/script&gt;")
    assert f"<strong>For {ESCAPED}</strong>" in page


def test_the_preview_frame_shows_the_email_and_can_run_nothing(
    alice_client: Client, event: Any, hostile_invite: Invite
) -> None:
    page = preview_page(alice_client, organizer_url("send", event), hostile_invite)
    assert "srcdoc" not in page
    assert re.search(r"<iframe [^>]*\bsandbox src=", page)  # sandbox with no allow-scripts

    frame = alice_client.get(frame_url(page))

    assert frame.status_code == 200
    html = frame.content.decode()
    assert html.startswith("<!doctype html>")
    assert f"Hello {ESCAPED}" in html and PAYLOAD not in html
    assert directives(frame) == {
        "default-src": "'none'",
        "style-src": "'unsafe-inline'",
        "img-src": "'self' data:",
        "frame-ancestors": "'self'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "sandbox": "",
    }
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    assert frame["Cache-Control"] == "no-store"  # it holds the guest's personal link


def test_the_preview_frame_is_404_for_anyone_but_the_session_that_asked(
    alice_client: Client,
    bob_client: Client,
    charlie_client: Client,
    event: Any,
    hostile_invite: Invite,
) -> None:
    page = preview_page(alice_client, organizer_url("send", event), hostile_invite)
    url = frame_url(page)

    assert charlie_client.get(url).status_code == 404
    # A teammate without this preview in their session finds nothing either.
    assert bob_client.get(url).status_code == 404
    made_up = reverse("invites:send_preview", args=[event.organization.slug, event.slug, "x" * 22])
    assert alice_client.get(made_up).status_code == 404


def test_a_preview_key_does_not_open_another_events_invites(
    alice_client: Client, event: Any, hostile_invite: Invite
) -> None:
    page = preview_page(alice_client, organizer_url("send", event), hostile_invite)
    key = frame_url(page).rstrip("/").rsplit("/", 1)[1]
    other = event.__class__.objects.create(
        organization=event.organization,
        name="Other",
        slug="other",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
    )
    url = reverse("invites:send_preview", args=[event.organization.slug, other.slug, key])
    assert alice_client.get(url).status_code == 404


def test_the_portal_owners_preview_frame_works_only_with_the_owners_session(
    client: Client, portal_invite: Invite
) -> None:
    portal = portal_invite.portal
    assert portal is not None
    portal_invite.guest_name = PAYLOAD
    portal_invite.save()
    owner = owner_client(portal)
    page = preview_page(owner, reverse("owner:send", args=[portal.public_id]), portal_invite)
    assert PAYLOAD not in page and ESCAPED in page

    frame = owner.get(frame_url(page))

    assert frame.status_code == 200
    assert "Invited by <strong>Galerie Nord</strong>" in frame.content.decode()
    assert directives(frame)["default-src"] == "'none'"
    assert asks_to_sign_in(client.get(frame_url(page)))
