"""Invites to email, made directly: how they were generated (and paid for) is
the generation tests' business; here only their rows matter. The outbox's
tests (tests/deliveries/) use them too, as sample rows to send."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from events.models import Event
from invites.models import Invite, InviteBatch
from portals.models import Portal

MakeInvites = Callable[..., list[Invite]]


@pytest.fixture
def make_invites(event: Event) -> MakeInvites:
    def make(
        count: int = 1,
        *,
        portal: Portal | None = None,
        names: list[str] | None = None,
        emails: list[str] | None = None,
        **fields: Any,
    ) -> list[Invite]:
        batch = InviteBatch.objects.create(
            organization=event.organization,
            event=event,
            portal=portal,
            method=InviteBatch.Method.PASTE,
            size=count,
        )
        names = names or [f"Guest {n}" for n in range(1, count + 1)]
        if emails is None:
            emails = [f"guest{n}@example.com" for n in range(1, count + 1)]
        invites = [
            Invite(
                organization=event.organization,
                event=event,
                batch=batch,
                portal=portal,
                guest_name=names[n],
                guest_email=emails[n],
                **fields,
            )
            for n in range(count)
        ]
        return Invite.objects.bulk_create(invites)

    return make


@pytest.fixture
def portal_invite(make_invites: MakeInvites, portal: Portal) -> Invite:
    portal.status = Portal.Status.ASSIGNED
    portal.owner_email = "owner@galerie-nord.example"
    portal.assigned_at = timezone.now()
    portal.save()
    return make_invites(1, portal=portal, names=["Ada Lovelace"], emails=["ada@example.com"])[0]


@pytest.fixture
def anymail_backend(settings: Any) -> None:
    """anymail's own test backend: messages land in mail.outbox with a provider id."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
