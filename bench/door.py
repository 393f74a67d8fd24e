"""How many scans a second the door's API takes, next to `/healthz/`, on gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/door.py

Creates a scratch database (`artsvp_bench_door`, or BENCH_SCRATCH_DB) on the
server DATABASE_URL points at, migrates it, fills it with one event of
accepted guests with check-in passes (bulk inserts), starts gunicorn as the
Procfile does with production settings (DEBUG=0; Redis for the cache, the
rate limits and the broker when REDIS_URL is set, as in production), and
drops the database at the end.

For 1, 10 and 50 concurrent scanners (one process each, as phones are
separate clients; a new connection per request, as gunicorn's sync workers
close each one) it measures, in the same run and against the same server:

- `GET /healthz/` (the database, the cache and the broker asked once each);
- `POST /api/v1/events/{id}/check-ins` with `{"code": ..., "people": 1}`
  and a check-in-only API key: every scan a real check-in of a distinct
  accepted guest (201 `checked_in`);
- then, at 10 concurrent, scans of guests already in (200 `already_checked_in`).

It prints requests per second and the ratio scan / healthz (target: at
least 0.4x at 10 concurrent, so the door is never the slow part), and checks
from the database that every 201 wrote exactly one check-in.

BENCH_SECONDS (per measurement, default 5), WEB_CONCURRENCY (gunicorn
workers, default 2 x CPUs + 1), BENCH_GUESTS (accepted guests per
concurrency level, default 10,000) and BENCH_SYNCHRONOUS_COMMIT=off (no disk
flush per commit, as in bench/ledger.py: compares the code rather than the
disk; a check-in commits, /healthz/ does not) tune it. On a machine busy
with other work the figures mean little: run it alone.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._serving import (
    BASE_HEADERS,
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

SCRATCH_DB = os.environ.get("BENCH_SCRATCH_DB", "artsvp_bench_door")
GUESTS_PER_LEVEL = int(os.environ.get("BENCH_GUESTS", "10000"))
CONCURRENCY = (1, 10, 50)
TARGET_RATIO = 0.4
TARGET_AT = 10
WARM_UP = 20


# --- The data: one event, accepted guests with passes, a check-in-only key ---------------------


@dataclass
class World:
    event_public_id: str
    key: str
    # One list of distinct codes per measurement, and a few for the warm-up.
    codes: dict[int, list[str]]
    warm_up: list[str]


def make_world() -> World:
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from door.models import CheckInPass
    from events.models import Event
    from invites.models import Invite, InviteBatch
    from organizations.api_key_services import create_api_key
    from organizations.models import ApiKey
    from organizations.services import create_organization

    user = get_user_model().objects.create_user(username="bench", email="bench@example.com")
    organization = create_organization("Bench Fair", owner=user)
    new_key = create_api_key(organization, name="door", created_by=user)
    # The key a door device would hold.
    ApiKey.objects.filter(pk=new_key.api_key.pk).update(check_in_only=True)
    now = timezone.now()
    # Open now, no entry windows: every accepted guest may come in.
    event = Event.objects.create(
        organization=organization,
        slug="opening-night",
        name="Opening Night",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=6),
    )
    total = GUESTS_PER_LEVEL * len(CONCURRENCY) + WARM_UP
    batch = InviteBatch.objects.create(
        organization=organization, event=event, method=InviteBatch.Method.API, size=total
    )
    invites = Invite.objects.bulk_create(
        (
            Invite(
                organization=organization,
                event=event,
                batch=batch,
                guest_name=f"Guest {n}",
                guest_email=f"guest{n}@example.com",
                status=Invite.Status.ACCEPTED,
                responded_at=now,
                opened_at=now,
            )
            for n in range(total)
        ),
        batch_size=2000,
    )
    passes = CheckInPass.objects.bulk_create(
        (
            CheckInPass(organization=organization, invite=invite, announced=True)
            for invite in invites
        ),
        batch_size=2000,
    )
    codes = [check_in_pass.code for check_in_pass in passes]
    per_level = {
        concurrency: codes[WARM_UP + n * GUESTS_PER_LEVEL : WARM_UP + (n + 1) * GUESTS_PER_LEVEL]
        for n, concurrency in enumerate(CONCURRENCY)
    }
    return World(
        event_public_id=event.public_id,
        key=new_key.secret,
        codes=per_level,
        warm_up=codes[:WARM_UP],
    )


# --- The clients ---------------------------------------------------------------------------------


def scan(world: World, code: str) -> Request:
    return Request(
        "POST",
        f"/api/v1/events/{world.event_public_id}/check-ins",
        {
            **BASE_HEADERS,
            "Authorization": f"Bearer {world.key}",
            "Content-Type": "application/json",
        },
        json.dumps({"code": code, "people": 1}).encode(),
    )


def _slices(codes: list[str], parts: int) -> list[list[str]]:
    size = len(codes) // parts
    return [codes[n * size : (n + 1) * size] for n in range(parts)]


def check_endpoint(port: int, world: World) -> str | None:
    """Why scans cannot be measured (no such endpoint yet), or None."""
    status, body = send(port, scan(world, world.warm_up[0]))
    if status == 201:
        return None
    return f"POST /api/v1/events/{{id}}/check-ins answered {status}: {body[:200]!r}"


def main() -> None:
    if not os.environ.get("REDIS_URL"):
        print("NOTE: no REDIS_URL: cache and rate limits in each worker's memory, no broker.")
    with scratch_database(SCRATCH_DB) as database_url:
        setup_django(database_url)
        started = time.perf_counter()
        world = make_world()
        guests = sum(len(codes) for codes in world.codes.values()) + len(world.warm_up)
        took = time.perf_counter() - started
        print(f"Setup: {guests:,} accepted guests with passes in {took:.1f} s")
        with gunicorn(database_url) as port:
            report(port, world)


def report(port: int, world: World) -> None:
    for _ in range(WARM_UP):
        send(port, healthz())
    print(
        f"gunicorn with production settings, {WEB_WORKERS} workers; "
        f"{SECONDS:.0f} s per measurement; synchronous_commit {SYNCHRONOUS_COMMIT}"
    )
    problem = check_endpoint(port, world)
    for code in world.warm_up[1:]:
        send(port, scan(world, code))
    scans: dict[int, Result] = {}
    health: dict[int, Result] = {}
    for concurrency in CONCURRENCY:
        health[concurrency] = measure(port, concurrency, lambda n: itertools.repeat(healthz()))
        print(f"  {concurrency:>2} concurrent  /healthz/  {health[concurrency].rate:8,.0f} req/s")
        if problem is not None:
            continue
        parts = _slices(world.codes[concurrency], concurrency)

        def own_guests(n: int, parts: list[list[str]] = parts) -> Iterator[Request]:
            return (scan(world, code) for code in parts[n])

        scans[concurrency] = measure(port, concurrency, own_guests)
        result = scans[concurrency]
        ratio = result.rate / health[concurrency].rate
        print(
            f"  {concurrency:>2} concurrent  check-ins  {result.rate:8,.0f} req/s  "
            f"{ratio:.2f}x healthz  statuses {result.statuses}"
            + ("  (RAN OUT OF GUESTS: raise BENCH_GUESTS)" if result.ran_out else "")
        )
    if problem is not None:
        sys.exit(f"Scans not measured: {problem}")
    # Guests already in: the answer a second phone gets.
    already = world.codes[CONCURRENCY[0]][: scans[CONCURRENCY[0]].requests]
    repeated = measure(
        port,
        TARGET_AT,
        lambda n: itertools.cycle([scan(world, code) for code in already[n::TARGET_AT] or already]),
    )
    print(
        f"  {TARGET_AT:>2} concurrent  repeated   {repeated.rate:8,.0f} req/s  "
        f"{repeated.rate / health[TARGET_AT].rate:.2f}x healthz  statuses {repeated.statuses}"
    )
    verify(world, scans, repeated)
    ratio = scans[TARGET_AT].rate / health[TARGET_AT].rate
    print(
        f"  target            a scan >= {TARGET_RATIO}x /healthz/ at {TARGET_AT} concurrent: "
        f"{ratio:.2f}x, {'met' if ratio >= TARGET_RATIO else 'MISSED'}"
    )


def verify(world: World, scans: dict[int, Result], repeated: Result) -> None:
    """Every 201 is one check-in row; every repeated scan was refused as already in."""
    from django.db.models import Count

    from door.models import CheckIn

    created = sum(result.statuses.get(201, 0) for result in scans.values()) + len(world.warm_up)
    rows = CheckIn.objects.count()
    twice = (
        CheckIn.objects.values("invite_id", "person")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    problems = []
    if rows != created:
        problems.append(f"{created} scans answered 201 but {rows} check-ins were written")
    if twice:
        problems.append(f"{twice} guests were checked in twice")
    if set(repeated.statuses) != {200}:
        problems.append(f"repeated scans answered {repeated.statuses}, not only 200")
    for result in scans.values():
        if set(result.statuses) != {201}:
            problems.append(f"scans answered {result.statuses}, not only 201")
    if problems:
        sys.exit("FAILED: " + "; ".join(problems))
    print(f"  checked           {rows:,} check-ins written, one per 201; none twice")


if __name__ == "__main__":
    main()
