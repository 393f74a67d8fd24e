"""The exhibitor emails every unsent invite of a portal with many: the page names
the first few guests and counts the rest."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from invites.models import Invite, InviteBatch
from portals.models import Portal
from portals.owner_sessions import SESSION_KEY


def sign_in_owner(page: Any, live_server: Any, portal: Portal) -> None:
    client = Client()
    session = client.session
    session[SESSION_KEY] = {portal.public_id: portal.owner_email.lower()}
    session.save()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )


def test_the_exhibitor_emails_every_unsent_invite_of_a_big_portal(
    live_server: Any, page: Any, shot: Any, portal: Portal
) -> None:
    portal.status = Portal.Status.ASSIGNED
    portal.owner_email = "anna@galerie-nord.example"
    portal.assigned_at = timezone.now()
    portal.save()
    batch = InviteBatch.objects.create(
        organization=portal.organization,
        event=portal.group.event,
        portal=portal,
        method=InviteBatch.Method.PASTE,
        size=40,
    )
    Invite.objects.bulk_create(
        Invite(
            organization=portal.organization,
            event=portal.group.event,
            batch=batch,
            portal=portal,
            guest_name=f"Guest {n:02d}",
            guest_email=f"guest{n}@example.com" if n % 10 else "not an address",
        )
        for n in range(1, 41)
    )
    sign_in_owner(page, live_server, portal)
    page.goto(f"{live_server.url}/portal/{portal.public_id}/email/?scope=unsent")

    expect(page.get_by_text("36 guests will receive this email")).to_be_visible()
    recipients = page.locator(".recipient-list li")
    expect(recipients).to_have_count(6)
    expect(recipients.first).to_contain_text("Guest 01")
    expect(recipients.last).to_have_text("and 31 more")
    expect(page.get_by_text("Skipped 4 without an email address.")).to_be_visible()
    shot(page, "unsent-page")

    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".email-preview-head")).to_contain_text("guest1@example.com")
    page.get_by_role("button", name="Send 36 emails").click()
    expect(page.get_by_text("36 emails on the way.")).to_be_visible()
    shot(page, "progress")
    assert len({message.to[0] for message in mail.outbox}) == 36
