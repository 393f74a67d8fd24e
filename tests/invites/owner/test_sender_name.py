"""The portal owner names the sender of their invite emails, sees the From
line before saving, and their guests' emails use it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from invites.models import Invite
from invites.sending import queue_invite_emails
from portals.models import Portal
from tests.invites.helpers import assign, owner_client

pytestmark = pytest.mark.django_db


def test_the_owner_sets_the_sender_name_sees_the_from_line_and_guests_get_it(
    portal: Portal, make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assign(portal)
    client = owner_client(portal)
    url = reverse("owner:sender", args=[portal.public_id])
    page = client.get(url)
    assert page.status_code == 200
    # The server's preview (no JS needed): the portal's name until one is set.
    assert "Galerie Nord via Basel Art Week" in page.content.decode()
    assert 'src="/static/js/sender-preview.js"' in page.content.decode()

    saved = client.post(url, {"sender_name": "  Nord & Söhne,\r\nBasel  "}, follow=True)
    assert saved.status_code == 200
    portal.refresh_from_db()
    assert portal.sender_name == "Nord & Söhne, Basel"
    assert "Nord &amp; Söhne, Basel via Basel Art Week" in saved.content.decode()
    assert "Sender name saved." in saved.content.decode()

    invite = make_invites(1, portal=portal, names=["Ada"], emails=["ada@example.com"])[0]
    with django_capture_on_commit_callbacks(execute=True):
        queue_invite_emails([invite], subject="", message="")
    assert mail.outbox[-1].from_email.startswith('"Nord & Söhne, Basel via Basel Art Week" <')

    # Blank again: the portal's name.
    client.post(url, {"sender_name": ""})
    portal.refresh_from_db()
    assert portal.sender_name == "" and portal.from_name == "Galerie Nord"


def test_a_too_long_sender_name_is_a_field_error(portal: Portal) -> None:
    assign(portal)
    response = owner_client(portal).post(
        reverse("owner:sender", args=[portal.public_id]), {"sender_name": "x" * 101}
    )
    assert response.status_code == 422
    assert "at most 100 characters" in response.content.decode()
    portal.refresh_from_db()
    assert portal.sender_name == ""


def test_the_send_page_shows_who_the_email_is_from(portal: Portal, make_invites: Any) -> None:
    assign(portal)
    Portal.objects.filter(pk=portal.pk).update(sender_name="Nord Gallery")
    invite: Invite = make_invites(1, portal=portal)[0]
    response = owner_client(portal).get(
        reverse("owner:send", args=[portal.public_id]), {"invite": invite.public_id}
    )
    assert "Nord Gallery via Basel Art Week" in response.content.decode()


def test_another_browser_cannot_open_the_sender_page(portal: Portal) -> None:
    assign(portal)
    from django.test import Client

    response = Client().get(reverse("owner:sender", args=[portal.public_id]))
    assert response.status_code == 302  # to the code sign-in, never the page
