"""Demo data for a first run: `python manage.py seed_demo` (safe to run again)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from credits import ledger
from credits.models import CreditEntry, CreditKind
from events.models import Event
from organizations.models import Organization
from organizations.services import create_organization
from portals.models import Portal, PortalGroup

DEMO_EMAIL = "demo@artsvp.localhost"
DEMO_PASSWORD = "artsvp-demo-2026"
DEMO_ORG_SLUG = "demo-art-fair"
DEMO_CREDITS = {CreditKind.PORTAL: 10, CreditKind.INVITE: 250}

EXHIBITORS = ["Galerie Nord", "Studio Aalto", "Kunsthalle West", "Maison Pérot", "Gallery 42"]
SPONSORS = ["Banque Lumière", "Helvetia Print"]


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
            for name in EXHIBITORS:
                self._portal(exhibitors, name)
            for name in SPONSORS:
                self._portal(sponsors, name)
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
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write("  Log in at http://127.0.0.1:8000/accounts/login/")
        self.stdout.write(f"  email:    {DEMO_EMAIL}")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")

    def _owner(self) -> Any:
        user_model = get_user_model()
        user = user_model.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = user_model.objects.create_user(
                username="demo", email=DEMO_EMAIL, password=DEMO_PASSWORD
            )
        EmailAddress.objects.get_or_create(
            user=user, email=DEMO_EMAIL, defaults={"primary": True, "verified": True}
        )
        return user

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
        group, _ = PortalGroup.objects.get_or_create(
            organization=event.organization,
            event=event,
            name=name,
            defaults={
                "kind": kind,
                "default_allocation": allocation,
                "default_plus_ones": 1,
                "instructions": "Invite your collectors and press contacts. "
                "Each invite admits the guest plus one.",
            },
        )
        return group

    def _portal(self, group: PortalGroup, name: str) -> Portal:
        slug = name.lower().replace(" ", "-").replace("é", "e")
        portal, _ = Portal.objects.get_or_create(
            organization=group.organization,
            group=group,
            name=name,
            defaults={
                "allocation": group.default_allocation,
                "contact_email": f"contact@{slug}.example",
            },
        )
        return portal
