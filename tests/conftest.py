"""The world every test starts from (fixture chains, as in pretix's tests).

alice owns "Basel Art Week", bob is a member of it, charlie owns "Elsewhere
Gallery": charlie is the outsider who must get 404 everywhere in alice's org.
The chain org -> event -> group -> portal builds on demand.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from artsvp.catalogs import compile_catalogs
from config.celery import app as celery_app
from credits import ledger
from credits.models import CreditEntry, CreditKind
from events.models import Event
from organizations.models import Membership, Organization
from organizations.services import create_organization
from portals.models import InviteType, Portal, PortalAllocation, PortalGroup
from portals.services import add_default_type

PASSWORD = "correct horse battery staple"


def pytest_sessionstart(session: pytest.Session) -> None:
    # The suite reads the translations as `make setup` compiled them; a run of
    # pytest alone (after editing a .po) compiles the stale ones first.
    compile_catalogs()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")


@pytest.fixture(autouse=True)
def _fast_password_hashing(request: pytest.FixtureRequest, settings: Any) -> None:
    """The personas need passwords, not slow ones: hashing them with the real
    hasher was most of the suite's time. Tests about hashing itself opt out
    with @pytest.mark.real_password_hasher."""
    if not request.node.get_closest_marker("real_password_hasher"):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_side_effects(settings: Any) -> Any:
    """Tasks run in-process and mail stays in django.core.mail.outbox, unless a
    test about workers says otherwise; the cache starts empty."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded files (brand images) land in the test's own folder, never in the repo."""
    settings.MEDIA_ROOT = tmp_path / "media"


def make_user(email: str, *, password: str = PASSWORD) -> Any:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user = user_model.objects.create_user(
        username=email.split("@")[0], email=email, password=password
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


@pytest.fixture
def alice(db: Any) -> Any:
    return make_user("alice@example.com")


@pytest.fixture
def bob(db: Any) -> Any:
    return make_user("bob@example.com")


@pytest.fixture
def charlie(db: Any) -> Any:
    return make_user("charlie@example.com")


@pytest.fixture
def org(alice: Any, bob: Any) -> Organization:
    organization = create_organization("Basel Art Week", owner=alice)
    Membership.objects.create(organization=organization, user=bob, role=Membership.Role.MEMBER)
    return organization


@pytest.fixture
def other_org(charlie: Any) -> Organization:
    return create_organization("Elsewhere Gallery", owner=charlie)


@pytest.fixture
def event(org: Organization) -> Event:
    starts = timezone.now() + timedelta(days=30)
    return Event.objects.create(
        organization=org,
        slug="spring-fair",
        name="Spring Fair",
        starts_at=starts,
        ends_at=starts + timedelta(days=3),
        timezone="Europe/Zurich",
        venue="Messe Basel, Hall 2",
        description="Contemporary art from 200 galleries.",
    )


def make_group(**fields: Any) -> PortalGroup:
    """A group row as given, with the one invite type every group has."""
    group = PortalGroup.objects.create(**fields)
    add_default_type(group)
    return group


def make_portal(**fields: Any) -> Portal:
    """A portal row as given (`allocation` and `invites_used` are its group's first
    type's), with one allocation row per type of its group, as services create them."""
    group = fields["group"]
    fields.setdefault("organization", group.organization)
    portal = Portal.objects.create(**fields)
    types = list(InviteType.objects.filter(group=group, archived_at__isnull=True))
    PortalAllocation.objects.bulk_create(
        PortalAllocation(
            portal=portal,
            invite_type=invite_type,
            size=portal.allocation if position == 0 else 0,
            used=portal.invites_used if position == 0 else 0,
        )
        for position, invite_type in enumerate(types)
    )
    return portal


def set_allocation(portal: Portal, size: int, *, used: int | None = None) -> None:
    """Set the portal's allocation (of its group's first type) as a test's setup,
    keeping the per-type row and the portal's sums equal."""
    allocation = PortalAllocation.objects.filter(portal=portal).order_by(
        "invite_type__position", "invite_type_id"
    )[0]
    used = allocation.used if used is None else used
    PortalAllocation.objects.filter(pk=allocation.pk).update(size=size, used=used)
    others = PortalAllocation.objects.filter(portal=portal).exclude(pk=allocation.pk)
    Portal.objects.filter(pk=portal.pk).update(
        allocation=size + sum(other.size for other in others),
        invites_used=used + sum(other.used for other in others),
    )


@pytest.fixture
def group(event: Event) -> PortalGroup:
    return make_group(
        organization=event.organization,
        event=event,
        name="Exhibitors",
        kind=PortalGroup.Kind.EXHIBITOR,
        default_allocation=20,
        default_plus_ones=1,
        instructions="Invite your collectors before 1 May.",
    )


@pytest.fixture
def portal(group: PortalGroup) -> Portal:
    return make_portal(
        group=group,
        name="Galerie Nord",
        allocation=10,
        contact_email="hello@galerie-nord.example",
    )


@pytest.fixture
def other_portal(other_org: Organization) -> Portal:
    starts = timezone.now() + timedelta(days=10)
    other_event = Event.objects.create(
        organization=other_org,
        slug="winter-show",
        name="Winter Show",
        starts_at=starts,
        ends_at=starts + timedelta(days=1),
    )
    other_group = make_group(
        organization=other_org, event=other_event, name="Sponsors", kind="sponsor"
    )
    return make_portal(group=other_group, name="Charlie's Sponsor", allocation=5)


def give_credits(organization: Organization, *, portal: int = 0, invite: int = 0) -> None:
    """Grant credits through the ledger, as the demo seed and operators do."""
    for kind, amount in ((CreditKind.PORTAL, portal), (CreditKind.INVITE, invite)):
        if amount:
            ledger.grant_now(
                organization,
                kind,
                amount,
                reason=CreditEntry.Reason.DEMO_GRANT,
                idempotency_key=f"test-grant:{uuid.uuid4().hex}",
            )


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice: Any) -> Client:
    return client_for(alice)


@pytest.fixture
def bob_client(bob: Any) -> Client:
    return client_for(bob)


@pytest.fixture
def charlie_client(charlie: Any) -> Client:
    return client_for(charlie)


@pytest.fixture
def is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture
def redis_server(tmp_path: Any) -> Any:
    """A private, running redis-server on a spare port: no other test's worker
    can take our tasks, and a test may stop and start it. (The worker tests
    in tests/deliveries/ start theirs themselves.)"""
    from tests.redis_server import RedisServer, spare_port

    server = RedisServer(spare_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
