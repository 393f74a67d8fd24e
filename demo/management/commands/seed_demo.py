"""Demo data for a first run: `python manage.py seed_demo` (safe to run again).

Groups, portals, invite types and entry windows are made by the organizer's
services (each its own transaction, as from the pages), so every group has
its types and every portal its allocation rows; a re-run adds only what is
missing. The exhibitors get the fair's three tiers: VIP Preview (its own
window, 200 places), VIP (Thu-Sun) and Public days (a window for everyone).

The door: the organizer's own guest list of the fair (DEMO_GUESTS, one
credit each), most of them accepted with check-in passes, a few checked in
and one walk-in, all through the door's and the invites' services; and a
check-in staff member (DOOR_EMAIL, the demo password) with a grant for the
fair. The guests count as told already: seeding sends no confirmation
emails. The fair is weeks away, so its seeded check-ins are a supervisor's
"let in anyway" (wrong window), and staff scanning today see "wrong window".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from artsvp.links import absolute_url
from artsvp.locks import locking_transaction
from credits import ledger
from credits.models import CreditEntry, CreditKind
from door.checkins import admit
from door.models import CheckIn, EventGrant
from door.services import record_as_told
from door.staff import default_expiry, door_path
from door.walk_ins import add_walk_in
from events.models import EntryWindow, Event
from events.windows import WindowDetails
from invites.answers import respond
from invites.guests import GuestInput
from invites.models import Invite, InviteBatch
from invites.services import generate_organizer_invites
from organizations.models import Membership, Organization
from organizations.services import create_organization
from portals import invite_types, services
from portals.models import InviteType, PortalGroup

DEMO_EMAIL = "demo@artsvp.localhost"
DEMO_PASSWORD = "artsvp-demo-2026"
DEMO_ORG_SLUG = "demo-art-fair"
DEMO_CREDITS = {CreditKind.PORTAL: 10, CreditKind.INVITE: 250}
DOOR_EMAIL = "door@artsvp.localhost"
# The organizer's own guests (VIP): (name, plus-ones they bring; None: no answer yet).
DEMO_GUESTS = [
    ("Ada Lindqvist", 1),
    ("Bruno Keller", 0),
    ("Chiara Russo", 1),
    ("Dmitri Volkov", 0),
    ("Elena Moreau", 1),
    ("Farid Haddad", 0),
    ("Greta Berg", None),
    ("Hiro Tanaka", None),
]
# How many of the accepted guests are already in.
DEMO_CHECKED_IN = 3
DEMO_GUESTS_KEY = "demo-guests"

EXHIBITORS = ["Galerie Nord", "Studio Aalto", "Kunsthalle West", "Maison Pérot", "Gallery 42"]
SPONSORS = ["Banque Lumière", "Helvetia Print"]
# The exhibitors' tiers: (code, name, allocation per portal, plus-ones).
EXHIBITOR_TYPES = [
    ("vip-preview", "VIP Preview", 10, 1),
    ("vip", "VIP", 20, 1),
    ("public-days", "Public days", 50, 0),
]


class Command(BaseCommand):
    help = "Create (or top up) the demo organization, its owner, an event and portals."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            user = self._owner()
            organization = Organization.objects.filter(slug=DEMO_ORG_SLUG).first()
            if organization is None:
                organization = create_organization("Demo Art Fair", owner=user)
                Organization.objects.filter(pk=organization.pk).update(slug=DEMO_ORG_SLUG)
                organization.refresh_from_db()
            event = self._event(organization)
        exhibitors = self._group(event, "Exhibitors", PortalGroup.Kind.EXHIBITOR, 25)
        sponsors = self._group(event, "Sponsors", PortalGroup.Kind.SPONSOR, 50)
        # Types before portals: new portals get each type's allocation.
        self._exhibitor_types(exhibitors)
        self._portals(exhibitors, EXHIBITORS)
        self._portals(sponsors, SPONSORS)
        self._windows(event, exhibitors)
        with transaction.atomic():
            for kind, amount in DEMO_CREDITS.items():
                # One demo grant per kind, ever: the key makes a re-run a no-op.
                ledger.grant(
                    organization,
                    kind,
                    amount,
                    reason=CreditEntry.Reason.DEMO_GRANT,
                    idempotency_key=f"demo-grant:{organization.pk}:{kind}",
                    memo="Demo credits",
                )
        self._door(event, user)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(f"  Log in at {absolute_url(reverse('account_login'))}")
        self.stdout.write(f"  email:    {DEMO_EMAIL}")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        self.stdout.write(
            f"  Check-in staff (the door of {event.name} only): {DOOR_EMAIL}, same password,"
        )
        self.stdout.write(f"  then {absolute_url(door_path(event))}")

    def _owner(self) -> Any:
        return _user(DEMO_EMAIL, username="demo")

    def _door(self, event: Event, owner: Any) -> None:
        """Guests, check-ins, a walk-in and the door's staff member (see the module docstring)."""
        self._door_staff(event)
        if InviteBatch.objects.filter(
            organization_id=event.organization_id, idempotency_key=DEMO_GUESTS_KEY
        ).exists():
            return
        vip = InviteType.objects.filter(group__event=event, code="vip").first()
        batch = generate_organizer_invites(
            event,
            [
                GuestInput(name=name, email=f"{_slug(name)}@guests.example", plus_ones=1)
                for name, _plus_ones in DEMO_GUESTS
            ],
            invite_type=vip,
            method=InviteBatch.Method.PASTE,
            actor=owner,
            idempotency_key=DEMO_GUESTS_KEY,
        )
        window = EntryWindow.objects.filter(event=event, invite_types=vip).first()
        invites = list(Invite.objects.filter(batch=batch).order_by("id"))
        accepted = []
        for invite, (_name, plus_ones) in zip(invites, DEMO_GUESTS, strict=True):
            if plus_ones is None:
                continue
            # One transaction: the answer's own hook then finds the guest told.
            with locking_transaction():
                answered = respond(invite, accept=True, plus_ones=plus_ones, window=window)
                record_as_told(invite.pk)
            accepted.append(answered)
        for invite in accepted[:DEMO_CHECKED_IN]:
            # The fair is weeks away: a supervisor lets them in anyway.
            admit(
                invite,
                staff=owner,
                people=1 + invite.plus_ones,
                override=True,
                supervisor=True,
                device="demo",
                gate="Main entrance",
            )
        if not CheckIn.objects.filter(event=event, invite__batch__method="walk_in").exists():
            add_walk_in(
                event,
                name="Noor Jansen (press)",
                staff=owner,
                party=1,
                let_in_by="Demo",
                device="demo",
                gate="Main entrance",
            )

    def _door_staff(self, event: Event) -> None:
        staff = _user(DOOR_EMAIL, username="door")
        membership, _ = Membership.objects.get_or_create(
            organization_id=event.organization_id,
            user=staff,
            defaults={"role": Membership.Role.CHECK_IN},
        )
        EventGrant.objects.get_or_create(
            organization_id=event.organization_id,
            event=event,
            membership=membership,
            defaults={"email": DOOR_EMAIL, "expires_at": default_expiry(event)},
        )

    def _event(self, organization: Organization) -> Event:
        starts = (timezone.now() + timedelta(days=45)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
        event, _ = Event.objects.get_or_create(
            organization=organization,
            slug="spring-art-fair",
            defaults={
                "name": "Spring Art Fair",
                "starts_at": starts,
                "ends_at": starts + timedelta(days=3, hours=9),
                "timezone": "Europe/Zurich",
                "venue": "Messe Basel, Hall 1",
                "description": "Modern and contemporary art from 120 galleries.",
                "capacity": 5000,
            },
        )
        return event

    def _group(self, event: Event, name: str, kind: str, allocation: int) -> PortalGroup:
        group = PortalGroup.objects.filter(event=event, name=name).first()
        if group is not None:
            return group
        return services.create_group(
            event,
            settings=services.GroupSettings(
                name=name,
                kind=kind,
                default_allocation=allocation,
                default_plus_ones=1,
                instructions="Invite your collectors and press contacts. "
                "Each invite admits the guest plus one.",
            ),
        )

    def _exhibitor_types(self, group: PortalGroup) -> None:
        types = {t.code: t for t in InviteType.objects.filter(group=group)}
        standard = types.get(services.DEFAULT_TYPE_CODE)
        first_code, first_name, first_size, first_plus_ones = EXHIBITOR_TYPES[0]
        if first_code not in types and standard is not None and not standard.is_archived:
            # The group's first type becomes the first tier.
            invite_types.update_invite_type(
                standard,
                name=first_name,
                code=first_code,
                default_allocation=first_size,
                plus_ones_allowed=first_plus_ones,
            )
            types[first_code] = standard
        for code, name, size, plus_ones in EXHIBITOR_TYPES:
            if code not in types:
                invite_types.create_invite_type(
                    group,
                    settings=invite_types.TypeSettings(
                        name=name, code=code, default_allocation=size, plus_ones_allowed=plus_ones
                    ),
                )

    def _windows(self, event: Event, exhibitors: PortalGroup) -> None:
        types = {t.code: t for t in InviteType.objects.filter(group=exhibitors)}
        day = event.local_starts_at.replace(tzinfo=None, hour=11, minute=0, second=0)
        last = event.local_ends_at.replace(tzinfo=None)
        windows = [
            # (label, starts, ends, capacity, types admitted; none: everyone)
            ("VIP Preview — Thu 11:00", day, day + timedelta(hours=4), 200, ["vip-preview"]),
            ("VIP — Thu\u2013Sun", day, last, 1500, ["vip", "vip-preview"]),
            ("Public days", day + timedelta(days=1), last, 4000, []),
        ]
        taken = {label.casefold() for label in event.entry_windows.values_list("label", flat=True)}
        for label, starts, ends, capacity, codes in windows:
            if label.casefold() in taken:
                continue
            invite_types.create_window(
                event,
                details=WindowDetails(
                    label=label, starts_at=starts, ends_at=ends, capacity=capacity
                ),
                invite_types=[types[code] for code in codes if code in types],
            )

    def _portals(self, group: PortalGroup, names: list[str]) -> None:
        taken = services.taken_names(group)
        missing = [name for name in names if name.casefold() not in taken]
        if not missing:
            return
        services.import_portals(
            group,
            [
                services.PortalRow(name=name, contact_email=f"contact@{_slug(name)}.example")
                for name in missing
            ],
        )


def _user(email: str, *, username: str) -> Any:
    user_model = get_user_model()
    user = user_model.objects.filter(email=email).first()
    if user is None:
        user = user_model.objects.create_user(
            username=username, email=email, password=DEMO_PASSWORD
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"primary": True, "verified": True}
    )
    return user


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-").replace("é", "e")
