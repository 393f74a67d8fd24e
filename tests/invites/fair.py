"""A fair for the organizer's views' tests: three invite types, two entry windows,
guests in every state, a multi-use link and its answers.

Answers go through the answer services (invites/answers.py, invites/approvals.py),
so the lists count rows exactly as guests and the organizer leave them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction

from events.models import EntryWindow, Event
from invites import answers, approvals
from invites.models import Invite
from invites.services import GuestInput, generate_invites
from portals import rules
from portals.invite_types import TypeSettings, create_invite_type
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
    """A type added through the organizer's service, with `places` for `portal`."""
    invite_type = create_invite_type(
        portal.group,
        settings=TypeSettings(name=name, code=code, default_allocation=0, plus_ones_allowed=2),
    )
    assert invite_type.position == position
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
    """The guest answers on their page; ACCEPTED for an invite that needs approval
    is the organizer's approval after it, PENDING needs such an invite."""
    if status == Invite.Status.DECLINED:
        answers.respond(invite, accept=False)
    else:
        answered = answers.respond(invite, accept=True, plus_ones=plus_ones, window=window)
        if status == Invite.Status.ACCEPTED and answered.status == Invite.Status.PENDING:
            approvals.approve(answered)
    invite.refresh_from_db()
    assert invite.status == status, (invite.status, status)
    return invite


def answer_link(link: Invite, name: str, status: str, **fields: Any) -> Invite:
    """One person's answer through a multi-use link (answers.answer_link), then
    the state asked for: declined by the guest, or approved by the organizer."""
    child = answers.answer_link(
        link,
        name=name,
        email=f"{name.lower().replace(' ', '.')}@example.com",
        window=fields.get("entry_window"),
    )
    if status == Invite.Status.DECLINED:
        answers.respond(child, accept=False)
    elif status == Invite.Status.ACCEPTED and child.status == Invite.Status.PENDING:
        approvals.approve(child)
    child.refresh_from_db()
    link.refresh_from_db()
    assert child.status == status, (child.status, status)
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
        one("VIP Waiting", "vip", needs_approval=True), Invite.Status.PENDING, window=thursday
    )
    fair.invites["declined"] = answer(one("Std Declined", "standard"), Invite.Status.DECLINED)
    fair.invites["unanswered"] = one("Std Unanswered", "standard")
    fair.invites["public_accepted"] = answer(
        one("Public Accepted", "public"), Invite.Status.ACCEPTED, window=friday
    )
    # The link's answers wait for the organizer: one is approved, one still waits.
    link = generate_invites(
        portal,
        [GuestInput(label="Team Nord", uses=3, needs_approval=True)],
        invite_type="vip",
        method="blank",
    ).invites.get()
    fair.invites["link"] = link
    fair.invites["link_accepted"] = answer_link(
        link, "Link Accepted", Invite.Status.ACCEPTED, entry_window=thursday
    )
    fair.invites["link_pending"] = answer_link(
        link, "Link Waiting", Invite.Status.PENDING, entry_window=friday
    )
    return fair
