"""How fast one API request generates 10,000 invites, next to raw SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/invites.py

Creates a scratch database (`artsvp_bench_invites`) on the server DATABASE_URL
points at, migrates it, and drops it at the end. It measures:

- the API: `POST /api/v1/portals/{id}/invites` with
  `{"blank": 10000, "invite_type": "standard"}` (every invite carries the
  group's default type and takes its allocation) through
  Django's test client, end to end: key auth, rate limit, the portal lock,
  the ledger entry, the bulk insert and the 201 response with every invite;
- a baseline: the same rows written with raw SQL in one transaction (the
  batch, 10,000 typed invites with fresh ids and tokens, the type's
  allocation and the portal's sum, the ledger entry and the balance), the
  floor any implementation could reach.

It prints invites per second for both and their ratio (target: the API at
least 20,000/s and within 4x of the baseline). `--profile` also prints where
one API request spends its time (cProfile, top functions by own time).
"""

from __future__ import annotations

import base64
import os
import secrets
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse, urlunparse

import psycopg

if TYPE_CHECKING:  # Django is set up at run time, below.
    from organizations.models import Organization
    from portals.models import Portal

ROOT = Path(__file__).resolve().parent.parent
# Another name when several checkouts bench on one server at once.
SCRATCH_DB = os.environ.get("BENCH_SCRATCH_DB", "artsvp_bench_invites")
SIZE = 10_000
ROUNDS = 3


def _with_database(url: str, name: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{name}"))


def _admin_connection(url: str) -> psycopg.Connection:
    return psycopg.connect(_with_database(url, "postgres"), autocommit=True)


def create_scratch_database(url: str) -> str:
    with _admin_connection(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{SCRATCH_DB}"')
    return _with_database(url, SCRATCH_DB)


def drop_scratch_database(url: str) -> None:
    with _admin_connection(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "0")  # no per-query logging in memory
    os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_hex(16))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    # Production settings look for collected static files, which the API never serves.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_world() -> tuple[Organization, str]:
    """An organization with an API key; returns (organization, key)."""
    from django.contrib.auth import get_user_model

    from organizations.api_key_services import create_api_key
    from organizations.services import create_organization

    user = get_user_model().objects.create_user(username="bench", email="bench@example.com")
    organization = create_organization("Bench Fair", owner=user)
    return organization, create_api_key(organization, name="bench", created_by=user).secret


def make_portal(organization: Organization, n: int) -> Portal:
    """A claimed portal with room for SIZE invites, and SIZE invite credits."""
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from credits import ledger
    from credits.models import CreditEntry, CreditKind
    from events.models import Event
    from portals.claiming import claim_portal
    from portals.services import GroupSettings, create_group, create_portal

    starts = timezone.now() + timedelta(days=30)
    event = Event.objects.create(
        organization=organization,
        slug=f"fair-{n}",
        name=f"Fair {n}",
        starts_at=starts,
        ends_at=starts + timedelta(days=2),
    )
    group = create_group(event, settings=GroupSettings(name="Exhibitors"))
    portal = create_portal(group, name=f"Gallery {n}", allocation=SIZE)
    for kind, amount in ((CreditKind.PORTAL, 1), (CreditKind.INVITE, SIZE)):
        ledger.grant_now(
            organization,
            kind,
            amount,
            reason=CreditEntry.Reason.DEMO_GRANT,
            idempotency_key=f"bench:{uuid.uuid4().hex}",
        )
    return claim_portal(portal, email=f"owner{n}@example.com")


def _body(blank: int) -> dict[str, object]:
    """An API request for `blank` links of every group's first type (a type on every invite)."""
    from portals.services import DEFAULT_TYPE_CODE

    return {"blank": blank, "invite_type": DEFAULT_TYPE_CODE}


def bench_api(organization: Organization, key: str) -> list[float]:
    from django.test import Client

    client = Client()
    headers = {"Authorization": f"Bearer {key}"}
    # Warm up imports, URL resolution and the connection with a small batch.
    warm = make_portal(organization, 0)
    client.post(
        f"/api/v1/portals/{warm.public_id}/invites",
        _body(10),
        content_type="application/json",
        headers=headers,
        secure=True,
    )
    timings = []
    for n in range(1, ROUNDS + 1):
        portal = make_portal(organization, n)
        started = time.perf_counter()
        response = client.post(
            f"/api/v1/portals/{portal.public_id}/invites",
            _body(SIZE),
            content_type="application/json",
            headers=headers,
            secure=True,  # production settings redirect plain HTTP
        )
        body = response.json()
        timings.append(time.perf_counter() - started)
        assert response.status_code == 201, response.content[:500]
        assert len(body["invites"]) == SIZE
    return timings


def profile_api(organization: Organization, key: str) -> None:
    import cProfile
    import pstats

    from django.test import Client

    portal = make_portal(organization, 300)
    profiler = cProfile.Profile()
    profiler.enable()
    Client().post(
        f"/api/v1/portals/{portal.public_id}/invites",
        _body(SIZE),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
        secure=True,
    )
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def bench_service(organization: Organization, n: int) -> float:
    """invites.services.generate_invites alone: the API's share is the rest."""
    from invites.models import InviteBatch
    from invites.services import generate_invites
    from portals.services import DEFAULT_TYPE_CODE

    portal = make_portal(organization, 200 + n)
    started = time.perf_counter()
    generate_invites(
        portal, [], blank=SIZE, invite_type=DEFAULT_TYPE_CODE, method=InviteBatch.Method.API
    )
    return time.perf_counter() - started


def bench_raw_sql(organization: Organization, n: int) -> float:
    """The floor: the same rows inserted with plain SQL in one transaction."""
    from django.db import connection, transaction

    from portals.models import PortalAllocation

    portal = make_portal(organization, 100 + n)
    org_id = organization.pk
    allocation = PortalAllocation.objects.get(portal=portal)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM portals_portal WHERE id = %s FOR UPDATE", [portal.pk])
        cursor.execute(
            "SELECT size - used FROM portals_portalallocation WHERE id = %s", [allocation.pk]
        )
        (remaining,) = cursor.fetchone()
        assert remaining >= SIZE
        cursor.execute(
            "SELECT id, balance FROM credits_creditaccount "
            "WHERE organization_id = %s AND kind = 'invite' FOR UPDATE",
            [org_id],
        )
        account_id, balance = cursor.fetchone()
        cursor.execute(
            "INSERT INTO invites_invitebatch (organization_id, event_id, portal_id, public_id, "
            "method, size, request_hash, created_at) VALUES (%s, %s, %s, %s, 'api', %s, '', now()) "
            "RETURNING id",
            [org_id, portal.group.event_id, portal.pk, _public_ids(1)[0], SIZE],
        )
        (batch_id,) = cursor.fetchone()
        public_ids = _public_ids(SIZE)
        tokens = [secrets.token_urlsafe(24) for _ in range(SIZE)]
        cursor.execute(
            "INSERT INTO invites_invite (organization_id, event_id, batch_id, portal_id, "
            "public_id, token, guest_name, guest_email, label, tags, metadata, "
            "plus_ones_allowed, plus_ones, status, invite_type_id, golden, needs_approval, "
            "shared_with_organizer, uses, uses_taken, guest_note, created_at, updated_at) "
            "SELECT %s, %s, %s, %s, p, t, '', '', '', '[]', '{}', 0, 0, 'created', %s, false, "
            "false, false, 1, 0, '', now(), now() FROM unnest(%s::text[], %s::text[]) AS u(p, t)",
            [
                org_id,
                portal.group.event_id,
                batch_id,
                portal.pk,
                allocation.invite_type_id,
                public_ids,
                tokens,
            ],
        )
        cursor.execute(
            "UPDATE credits_creditaccount SET balance = balance - %s, updated_at = now() "
            "WHERE id = %s",
            [SIZE, account_id],
        )
        cursor.execute(
            "INSERT INTO credits_creditentry (account_id, organization_id, kind, amount, "
            "balance_after, reason, idempotency_key, invite_batch_id, memo, created_at) "
            "VALUES (%s, %s, 'invite', %s, %s, 'invite_generation', %s, %s, '', now())",
            [account_id, org_id, -SIZE, balance - SIZE, f"invite-batch:{batch_id}", batch_id],
        )
        cursor.execute(
            "UPDATE portals_portalallocation SET used = used + %s WHERE id = %s",
            [SIZE, allocation.pk],
        )
        cursor.execute(
            "UPDATE portals_portal SET invites_used = invites_used + %s, updated_at = now() "
            "WHERE id = %s",
            [SIZE, portal.pk],
        )
    return time.perf_counter() - started


def _public_ids(count: int) -> list[str]:
    """As unguessable as artsvp.ids.new_public_id (70 random bits in [a-z2-7]),
    from one call to the system's random source instead of 14 per id."""
    raw = secrets.token_bytes(9 * count)
    return [base64.b32encode(raw[9 * i : 9 * i + 9]).decode()[:14].lower() for i in range(count)]


def main() -> None:
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    database_url = create_scratch_database(server_url)
    try:
        setup_django(database_url)
        organization, key = make_world()
        api_times = bench_api(organization, key)
        service_times = [bench_service(organization, n) for n in range(ROUNDS)]
        raw_times = [bench_raw_sql(organization, n) for n in range(ROUNDS)]
        if "--profile" in sys.argv:
            profile_api(organization, key)
        from django.core.management import call_command

        call_command("check_ledger", stdout=open(os.devnull, "w"))  # noqa: SIM115
    finally:
        from django.db import connections

        connections.close_all()
        drop_scratch_database(server_url)

    api_best, raw_best = min(api_times), min(raw_times)
    api_rate, raw_rate = SIZE / api_best, SIZE / raw_best
    print(f"One API request generating {SIZE:,} blank invites (best of {ROUNDS}, PostgreSQL):")
    print(
        f"  API, end to end   {api_best * 1000:8.1f} ms  {api_rate:10,.0f} invites/s"
        f"  (median {statistics.median(api_times) * 1000:.1f} ms)"
    )
    service_best = min(service_times)
    print(
        f"    of which the invites service {service_best * 1000:.1f} ms (generate_invites alone), "
        f"the API's own work {max(api_best - service_best, 0) * 1000:.1f} ms"
    )
    print(
        f"  raw SQL baseline  {raw_best * 1000:8.1f} ms  {raw_rate:10,.0f} invites/s"
        f"  (median {statistics.median(raw_times) * 1000:.1f} ms)"
    )
    print(f"  ratio             {api_best / raw_best:8.2f}x slower than raw SQL")
    print(
        f"  target            >= 20,000 invites/s: {'met' if api_rate >= 20_000 else 'MISSED'}; "
        f"within 4x of raw SQL: {'met' if api_best / raw_best <= 4 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
