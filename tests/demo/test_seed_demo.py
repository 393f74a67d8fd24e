import io
import subprocess
from pathlib import Path

from django.core.management import call_command

from credits.ledger import balances
from credits.models import CreditEntry
from organizations.models import Organization
from portals.models import Portal


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo")
    call_command("seed_demo")

    organization = Organization.objects.get(slug="demo-art-fair")
    assert organization.memberships.filter(role="owner").count() == 1
    assert organization.events.count() == 1
    assert organization.portal_groups.count() == 2
    assert Portal.objects.filter(organization=organization).count() == 7
    # The two demo grants, and the organizer's own guests (one credit each).
    assert CreditEntry.objects.filter(organization=organization).count() == 3
    current = balances(organization)
    assert (current.portal, current.invite) == (10, 250 - 8)


def test_the_demo_fair_has_three_invite_types_and_their_windows(db):
    from events.models import EntryWindow
    from portals.models import InviteType, PortalAllocation

    call_command("seed_demo")
    call_command("seed_demo")

    exhibitors = InviteType.objects.filter(group__name="Exhibitors")
    assert [(t.code, t.name, t.default_allocation) for t in exhibitors] == [
        ("vip-preview", "VIP Preview", 10),
        ("vip", "VIP", 20),
        ("public-days", "Public days", 50),
    ]
    galerie = Portal.objects.get(name="Galerie Nord")
    sizes = dict(
        PortalAllocation.objects.filter(portal=galerie).values_list("invite_type__code", "size")
    )
    assert sizes == {"vip-preview": 10, "vip": 20, "public-days": 50}
    galerie.refresh_from_db()
    assert galerie.allocation == 80
    windows = {
        window.label: (window.capacity, sorted(window.invite_types.values_list("code", flat=True)))
        for window in EntryWindow.objects.all()
    }
    assert windows == {
        "VIP Preview — Thu 11:00": (200, ["vip-preview"]),
        "VIP — Thu\u2013Sun": (1500, ["vip", "vip-preview"]),
        "Public days": (4000, []),
    }
    sponsors = Portal.objects.get(name="Banque Lumière")
    assert sponsors.allocations.get().invite_type.code == "standard"


def test_the_demo_fair_has_guests_at_the_door_and_a_check_in_staff_member(db, client):
    from django.core import mail

    from door.checkins import attendance
    from door.models import CheckInPass, EventGrant
    from events.models import Event
    from invites.models import Invite
    from organizations.models import Membership

    call_command("seed_demo")
    call_command("seed_demo")

    event = Event.objects.get(slug="spring-art-fair")
    accepted = Invite.objects.filter(event=event, status=Invite.Status.ACCEPTED)
    # Six of the eight guests accepted, and the walk-in.
    assert accepted.count() == 7
    assert CheckInPass.objects.filter(invite__in=accepted).count() == 7
    counts = attendance(event)
    assert counts.walk_ins == 1
    # Three guests with their plus-ones (1, 0 and 1), and the walk-in.
    assert counts.event.checked_in == 2 + 1 + 2 + 1
    # Seeding emails nobody.
    assert mail.outbox == []
    staff = Membership.objects.get(user__email="door@artsvp.localhost")
    assert staff.role == Membership.Role.CHECK_IN
    [grant] = EventGrant.objects.filter(membership=staff)
    assert grant.event == event and grant.is_active()
    assert client.login(username="door", password="artsvp-demo-2026")


def test_the_printed_links_are_where_the_app_runs(db, settings):
    # `make run HOST=… PORT=…` sets SITE_URL to where runserver listens.
    settings.SITE_URL = "http://192.0.2.10:8123"
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    assert "Log in at http://192.0.2.10:8123/accounts/login/" in printed
    assert "then http://192.0.2.10:8123/o/demo-art-fair/events/" in printed
    assert "127.0.0.1:8000" not in printed


def test_make_run_derives_the_site_url_from_host_and_port(monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    # What `make run HOST=… PORT=…` would run (-n: print, run nothing).
    plan = subprocess.run(
        ["make", "-n", "run", "HOST=192.0.2.10", "PORT=8123"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "SITE_URL=http://192.0.2.10:8123 .venv/bin/python manage.py seed_demo" in plan
    assert (
        "SITE_URL=http://192.0.2.10:8123 .venv/bin/python manage.py runserver 192.0.2.10:8123"
        in plan
    )
