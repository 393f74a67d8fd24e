"""A fair for the organizer's views' tests: three invite types, two entry windows,
guests in every state, a multi-use link and its answers.

Answers are written as rows here (the answer services are tested in their own
files): what the lists count is rows, however they got their state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction

from events.models import EntryWindow, Event
from invites.models import Invite
from invites.services import GuestInput, generate_invites
from portals import rules
from portals.models import InviteType, Portal
from tests.conftest import give_credits
from tests.invites.helpers import assign


@dataclass
class Fair:
    event: Event
    portal: Portal
    standard: InviteType
    vip: InviteType
    public: InviteType
    thursday: EntryWindow
    friday: EntryWindow
    invites: dict[str, Invite] = field(default_factory=dict)


def add_type(portal: Portal, *, name: str, code: str, position: int, places: int) -> InviteType:
    invite_type = InviteType.objects.create(
        organization=portal.organization,
        group=portal.group,
        name=name,
        code=code,
        position=position,
        plus_ones_allowed=2,
    )
    with transaction.atomic():
        rules.change_allocation(portal, invite_type.pk, places)
    return invite_type


def add_window(event: Event, label: str, *, day: int, capacity: int | None) -> EntryWindow:
    starts = event.starts_at + timedelta(days=day)
    return EntryWindow.objects.create(
        organization=event.organization,
        event=event,
        label=label,
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        capacity=capacity,
    )


def answer(invite: Invite, status: str, *, window: EntryWindow | None = None, plus_ones: int = 0):
    """The guest's answer as a row (the state the answer services leave)."""
    Invite.objects.filter(pk=invite.pk).update(
        status=status, entry_window=window, plus_ones=plus_ones
    )
    invite.refresh_from_db()
    return invite


def answer_link(link: Invite, name: str, status: str, **fields: Any) -> Invite:
    """One person's answer to a multi-use link: a child row as the answer service makes it."""
    child = Invite.objects.create(
        organization_id=link.organization_id,
        event_id=link.event_id,
        batch_id=link.batch_id,
        portal_id=link.portal_id,
        parent=link,
        invite_type_id=link.invite_type_id,
        label=link.label,
        tags=link.tags,
        metadata=link.metadata,
        shared_with_organizer=link.shared_with_organizer,
        plus_ones_allowed=link.plus_ones_allowed,
        guest_name=name,
        guest_email=f"{name.lower().replace(' ', '.')}@example.com",
        uses=1,
        uses_taken=1,
        status=status,
        **fields,
    )
    Invite.objects.filter(pk=link.pk).update(uses_taken=link.uses_taken + 1)
    link.refresh_from_db()
    return child


def build_fair(org: Any, event: Event, portal: Portal) -> Fair:
    """Standard (10 places), VIP (5), Public days (20); Thursday (capacity 3) and Friday
    (no limit). Guests: VIP Accepted (+1, Thursday), VIP Waiting (pending, Thursday),
    Std Declined, Std Unanswered, Public Accepted (Friday), a VIP link "Team Nord" of
    3 uses answered by two people (one accepted on Thursday, one pending)."""
    give_credits(org, invite=100)
    assign(portal)
    standard = InviteType.objects.get(group=portal.group, code="standard")
    vip = add_type(portal, name="VIP", code="vip", position=1, places=5)
    public = add_type(portal, name="Public days", code="public", position=2, places=20)
    thursday = add_window(event, "Thursday preview", day=0, capacity=3)
    friday = add_window(event, "Friday", day=1, capacity=None)
    fair = Fair(event, portal, standard, vip, public, thursday, friday)

    def one(name: str, code: str, **extra: Any) -> Invite:
        batch = generate_invites(
            portal,
            [GuestInput(name=name, email=f"{name.split()[-1].lower()}@example.com", **extra)],
            invite_type=code,
            method="single",
        )
        return batch.invites.get()

    fair.invites["vip_accepted"] = answer(
        one("VIP Accepted", "vip"), Invite.Status.ACCEPTED, window=thursday, plus_ones=1
    )
    fair.invites["vip_pending"] = answer(
        one("VIP Waiting", "vip"), Invite.Status.PENDING, window=thursday
    )
    fair.invites["declined"] = answer(one("Std Declined", "standard"), Invite.Status.DECLINED)
    fair.invites["unanswered"] = one("Std Unanswered", "standard")
    fair.invites["public_accepted"] = answer(
        one("Public Accepted", "public"), Invite.Status.ACCEPTED, window=friday
    )
    link = generate_invites(
        portal, [GuestInput(label="Team Nord", uses=3)], invite_type="vip", method="blank"
    ).invites.get()
    fair.invites["link"] = link
    fair.invites["link_accepted"] = answer_link(
        link, "Link Accepted", Invite.Status.ACCEPTED, entry_window=thursday
    )
    fair.invites["link_pending"] = answer_link(link, "Link Waiting", Invite.Status.PENDING)
    return fair
