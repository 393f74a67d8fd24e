"""One invite per API request, and portal claims, next to the raw single-consumption floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/single_invites.py

Integrations post one invite at a time, and every consumption of one
organization queues on that organization's credit account row. This creates
a scratch database (`artsvp_bench_single`, or BENCH_SCRATCH_DB), serves it
with gunicorn as the Procfile does with production settings (bench/door.py's
harness), and measures in the same run:

- the floor: 8 processes consuming one credit at a time from one account in
  raw SQL (bench/ledger.py's `raw_consume`: lock, insert the entry, update
  the balance, commit);
- `POST /api/v1/portals/{id}/invites` with one guest, at 8 and 64 concurrent
  clients, over 8 portals of ONE organization (one hot account row);
- the same at 8 concurrent over 8 portals of 8 DIFFERENT organizations (8
  account rows): if this is no faster than the line above, the account row
  is not what limits single invites;
- `GET /api/v1/portals/{id}/invites` (a first page of 50) at 10 concurrent,
  next to `/healthz/` (target >= 0.15);
- 50 portal claims at once (`portals.claiming.claim_portal`, one process
  each, 50 distinct portals of one organization, every one a portal credit).

It prints requests per second, one `ratio` line per path against the floor
with its target (single invites >= 0.25 at 8 concurrent, no error at 64;
claims >= 0.2), and checks from the database that every 201 wrote one
invite and one ledger entry, every claim one entry, and `check_ledger`.

BENCH_SECONDS (per measurement, default 5), WEB_CONCURRENCY and
BENCH_SYNCHRONOUS_COMMIT=off tune it as in bench/door.py. On a machine busy
with other work the figures mean little: run it alone.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._serving import (  # noqa: E402  (the path above makes bench importable)
    SECONDS,
    SYNCHRONOUS_COMMIT,
    WEB_WORKERS,
    Request,
    Result,
    gunicorn,
    healthz,
    measure,
    scratch_database,
    send,
    setup_django,
)
from bench.ledger import raw_consume, run_workers  # noqa: E402

SCRATCH_DB = os.environ.get("BENCH_SCRATCH_DB", "artsvp_bench_single")
PORTALS = 8
CLAIMS = 50
FLOOR_WORKERS = 8
TARGET_SINGLE = 0.25
TARGET_CLAIMS = 0.2
TARGET_LIST = 0.15
LIST_AT = 10
WARM_UP = 20


@dataclass
class Tenant:
    key: str
    portal_ids: list[str]


@dataclass
class World:
    one: Tenant  # one organization, PORTALS portals
    many: list[Tenant]  # PORTALS organizations, one portal each
    claimable: list[int]  # unclaimed portals of `one`'s organization (pks)
    floor_account: tuple[int, int]  # (account id, organization id) for the raw floor


def _organization(name: str, *, portals: int, claimable: int = 0) -> tuple[Tenant, list[int]]:
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from credits import ledger
    from credits.models import CreditEntry, CreditKind
    from events.models import Event
    from organizations.api_key_services import create_api_key
    from organizations.services import create_organization
    from portals.claiming import claim_portal
    from portals.services import GroupSettings, create_group, create_portal

    user = get_user_model().objects.create_user(username=name, email=f"{name}@example.com")
    organization = create_organization(name, owner=user)
    starts = timezone.now() + timedelta(days=30)
    event = Event.objects.create(
        organization=organization,
        slug="fair",
        name="Fair",
        starts_at=starts,
        ends_at=starts + timedelta(days=2),
    )
    group = create_group(event, settings=GroupSettings(name="Exhibitors"))
    for kind, amount in (
        (CreditKind.PORTAL, portals + claimable),
        (CreditKind.INVITE, 10_000_000),
    ):
        ledger.grant_now(
            organization,
            kind,
            amount,
            reason=CreditEntry.Reason.DEMO_GRANT,
            idempotency_key=f"bench:{uuid.uuid4().hex}",
        )
    claimed = [
        claim_portal(
            create_portal(group, name=f"Booth {n}", allocation=1_000_000),
            email=f"owner{n}@{name}.example",
        )
        for n in range(portals)
    ]
    unclaimed = [create_portal(group, name=f"Open {n}").pk for n in range(claimable)]
    key = create_api_key(organization, name="integration", created_by=user).secret
    return Tenant(key=key, portal_ids=[portal.public_id for portal in claimed]), unclaimed


def make_world() -> World:
    from credits import ledger
    from credits.models import CreditAccount, CreditEntry, CreditKind
    from organizations.models import Organization

    one, claimable = _organization("one", portals=PORTALS, claimable=CLAIMS)
    many = [_organization(f"many{n}", portals=1)[0] for n in range(PORTALS)]
    floor = Organization.objects.create(name="floor", slug="floor")
    ledger.grant_now(
        floor,
        CreditKind.INVITE,
        10_000_000,
        reason=CreditEntry.Reason.ADJUSTMENT,
        idempotency_key="bench:floor",
    )
    account = CreditAccount.objects.get(organization=floor, kind=CreditKind.INVITE)
    return World(one=one, many=many, claimable=claimable, floor_account=(account.pk, floor.pk))


def invite(key: str, portal_id: str, n: str) -> Request:
    return Request(
        "POST",
        f"/api/v1/portals/{portal_id}/invites",
        {
            "Host": "127.0.0.1",
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            # TLS ends at the proxy in production (SECURE_PROXY_SSL_HEADER).
            "X-Forwarded-Proto": "https",
        },
        json.dumps(
            {"guests": [{"name": f"Guest {n}", "email": f"guest-{n}@example.com"}]}
        ).encode(),
    )


def invite_list(key: str, portal_id: str) -> Request:
    """The first page (50) of a portal's invites."""
    return Request(
        "GET",
        f"/api/v1/portals/{portal_id}/invites",
        {"Host": "127.0.0.1", "Authorization": f"Bearer {key}", "X-Forwarded-Proto": "https"},
    )


def singles(portals: list[tuple[str, str]]) -> Any:
    """Client `n` invites one guest per request on portal `n mod len(portals)`."""

    def requests(n: int) -> Iterator[Request]:
        key, portal_id = portals[n % len(portals)]
        return (invite(key, portal_id, f"{n}-{i}-{os.getpid()}") for i in itertools.count())

    return requests


def floor_rate(url: str, world: World) -> float:
    account_id, organization_id = world.floor_account

    def work(number: int, stop: Any) -> int:
        done = 0
        prefix = f"floor:{uuid.uuid4().hex}:{number}:"
        # As Django sets up its connections: no server-side prepared statements.
        with psycopg.connect(url, prepare_threshold=None) as conn:
            while not stop.is_set():
                raw_consume(conn, account_id, organization_id, f"{prefix}{done}")
                done += 1
        return done

    return run_workers(work, seconds=SECONDS, workers=FLOOR_WORKERS)


def claims_rate(world: World) -> tuple[float, dict[str, int]]:
    """CLAIMS processes, released together, each claiming its own portal once."""
    from django.db import connections

    from portals.claiming import claim_portal
    from portals.models import Portal

    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(CLAIMS + 1)
    outcomes = context.Queue()

    def claimer(pk: int) -> None:
        portal = Portal.objects.get(pk=pk)
        barrier.wait()
        try:
            claim_portal(portal, email=f"claimer{pk}@example.com")
            outcomes.put("claimed")
        except Exception as error:
            outcomes.put(type(error).__name__)
        finally:
            connections.close_all()

    workers = [context.Process(target=claimer, args=(pk,)) for pk in world.claimable]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    collected = [outcomes.get(timeout=120) for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    counts: dict[str, int] = {}
    for outcome in collected:
        counts[outcome] = counts.get(outcome, 0) + 1
    return len(collected) / elapsed, counts


def main() -> None:
    if not os.environ.get("REDIS_URL"):
        print("NOTE: no REDIS_URL: cache and rate limits in each worker's memory, no broker.")
    with scratch_database(SCRATCH_DB) as database_url:
        setup_django(database_url)
        world = make_world()
        with gunicorn(database_url) as port:
            report(database_url, port, world)


def _line(label: str, result: Result, floor: float) -> None:
    print(
        f"  {label:58s} {result.rate:7,.0f} req/s  {result.rate / floor:5.2f}x floor"
        f"  statuses {result.statuses}"
    )


def report(database_url: str, port: int, world: World) -> None:
    one = [(world.one.key, portal_id) for portal_id in world.one.portal_ids]
    many = [(tenant.key, tenant.portal_ids[0]) for tenant in world.many]
    for n in range(WARM_UP):
        for key, portal_id in (one[n % PORTALS], many[n % PORTALS]):
            status, body = send(port, invite(key, portal_id, f"warm-{n}"))
            if status != 201:
                sys.exit(f"POST /api/v1/portals/{{id}}/invites answered {status}: {body[:300]!r}")
    print(
        f"gunicorn with production settings, {WEB_WORKERS} workers; "
        f"{SECONDS:.0f} s per measurement; synchronous_commit {SYNCHRONOUS_COMMIT}"
    )
    floors = [floor_rate(database_url, world)]
    print(f"  {'raw SQL single consumption, 8 processes':58s} {floors[0]:7,.0f} /s  (the floor)")
    results: dict[str, Result] = {}
    for name, portals, concurrency in (
        ("one organization, 8 concurrent", one, 8),
        ("8 organizations, 8 concurrent", many, 8),
        ("one organization, 64 concurrent", one, 64),
    ):
        results[name] = measure(port, concurrency, singles(portals))
        _line(f"one invite per request, {name}", results[name], floors[0])
    floors.append(floor_rate(database_url, world))
    floor = statistics.median(floors)
    print(
        f"  {'raw SQL single consumption, again':58s} {floors[1]:7,.0f} /s  (median {floor:,.0f})"
    )
    claims, outcomes = claims_rate(world)
    print(f"  {f'portal claims, {CLAIMS} distinct at once':58s} {claims:7,.0f} /s  {outcomes}")

    # By now each portal of the one organization has hundreds of invites: a full first page.
    health = measure(port, LIST_AT, lambda n: itertools.repeat(healthz()))
    listed = measure(port, LIST_AT, lambda n: itertools.repeat(invite_list(*one[n % PORTALS])))
    print(f"  {f'/healthz/, {LIST_AT} concurrent':58s} {health.rate:7,.0f} req/s")
    label = f"API list of a portal's invites (50), {LIST_AT} concurrent"
    print(f"  {label:58s} {listed.rate:7,.0f} req/s  statuses {listed.statuses}")

    verify(results, outcomes)
    single = results["one organization, 8 concurrent"].rate / floor
    spread = (
        results["8 organizations, 8 concurrent"].rate
        / results["one organization, 8 concurrent"].rate
    )
    storm = results["one organization, 64 concurrent"]
    print(
        f"ratio single invite / floor at 8 concurrent:   {single:5.2f}  (target >= {TARGET_SINGLE}:"
        f" {'met' if single >= TARGET_SINGLE else 'MISSED'})"
    )
    print(
        f"ratio 8 organizations / one organization:      {spread:5.2f}  (about 1: the account"
        " row is not the limit; well above 1: it is)"
    )
    print(
        f"ratio claims / floor:                          {claims / floor:5.2f}  (target >="
        f" {TARGET_CLAIMS}: {'met' if claims / floor >= TARGET_CLAIMS else 'MISSED'})"
    )
    print(
        f"ratio API invite list / healthz:               {listed.rate / health.rate:5.2f}  (target"
        f" >= {TARGET_LIST}: {'met' if listed.rate / health.rate >= TARGET_LIST else 'MISSED'})"
    )
    print(
        f"64 concurrent on one organization: statuses {storm.statuses}"
        f" ({'no error' if set(storm.statuses) == {201} else 'ERRORS'})"
    )


def verify(results: dict[str, Result], outcomes: dict[str, int]) -> None:
    """Every 201 is one invite and one ledger entry; every claim one entry; the ledger adds up."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    from credits.models import CreditEntry
    from invites.models import Invite
    from portals.models import Portal

    created = sum(result.statuses.get(201, 0) for result in results.values()) + 2 * WARM_UP
    invites = Invite.objects.count()
    batches = CreditEntry.objects.filter(invite_batch__isnull=False).count()
    claimed = Portal.objects.filter(status=Portal.Status.ASSIGNED).count()
    problems = []
    if invites != created:
        problems.append(f"{created} requests answered 201 but {invites} invites were written")
    if batches != invites:
        problems.append(f"{invites} invites but {batches} invite ledger entries")
    if claimed != PORTALS * 2 + outcomes.get("claimed", 0):
        problems.append(f"{outcomes} claims but {claimed} assigned portals")
    for result in results.values():
        if set(result.statuses) != {201}:
            problems.append(f"requests answered {result.statuses}, not only 201")
    if outcomes != {"claimed": CLAIMS}:
        problems.append(f"claims ended {outcomes}")
    out = StringIO()
    try:
        call_command("check_ledger", stdout=out)
    except CommandError as error:
        problems.append(f"check_ledger: {error}")
    if problems:
        sys.exit("FAILED: " + "; ".join(problems))
    print(f"  checked           {invites:,} invites, one ledger entry each; {claimed} portals")


if __name__ == "__main__":
    main()
