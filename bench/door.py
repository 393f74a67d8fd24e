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

import http.client
import itertools
import json
import multiprocessing
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_DB = os.environ.get("BENCH_SCRATCH_DB", "artsvp_bench_door")
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
GUESTS_PER_LEVEL = int(os.environ.get("BENCH_GUESTS", "10000"))
WEB_WORKERS = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
CONCURRENCY = (1, 10, 50)
SYNCHRONOUS_COMMIT = "off" if os.environ.get("BENCH_SYNCHRONOUS_COMMIT") == "off" else "on"
TARGET_RATIO = 0.4
TARGET_AT = 10
WARM_UP = 20


def _with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _admin_execute(url: str, sql: str) -> None:
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(sql)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_hex(16))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    # Production settings look for collected static files, which nothing here serves.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


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


# --- gunicorn, as the Procfile starts it, with production settings -----------------------------


def _procfile_command() -> list[str]:
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    command = shlex.split(line.removeprefix("web:"))
    assert command[0] == "gunicorn", command
    return [sys.executable, "-m", "gunicorn", *command[1:]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(database_url: str) -> Iterator[int]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        # The per-key limit (1,000 per 15 minutes by default) would refuse a
        # bench; the limit's own cost (a cache increment a request) stays in.
        "API_RATE_LIMIT": "1000000000/900",
        "WEB_CONCURRENCY": str(WEB_WORKERS),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    folder = Path(tempfile.mkdtemp(prefix="artsvp-bench-door-"))
    output = folder / "gunicorn.log"
    command = [
        *_procfile_command(),
        f"--bind=127.0.0.1:{port}",
        f"--workers={WEB_WORKERS}",
        # Production writes the access log to stdout; a file costs the same here.
        f"--access-logfile={folder / 'access.log'}",
    ]
    with output.open("w") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(output.read_text()) from None
                time.sleep(0.1)
        yield port
    except BaseException:
        print(f"gunicorn's log: {output}", file=sys.stderr)
        raise
    finally:
        process.terminate()
        process.wait(timeout=30)
    shutil.rmtree(folder, ignore_errors=True)


# --- The clients ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


def healthz() -> Request:
    return Request("GET", "/healthz/", {"Host": "127.0.0.1"})


def scan(world: World, code: str) -> Request:
    return Request(
        "POST",
        f"/api/v1/events/{world.event_public_id}/check-ins",
        {
            "Host": "127.0.0.1",
            "Authorization": f"Bearer {world.key}",
            "Content-Type": "application/json",
            # TLS ends at the proxy in production (SECURE_PROXY_SSL_HEADER).
            "X-Forwarded-Proto": "https",
        },
        json.dumps({"code": code, "people": 1}).encode(),
    )


def send(port: int, request: Request) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(request.method, request.path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Result:
    rate: float
    requests: int
    statuses: dict[int, int]
    ran_out: bool


def measure(port: int, concurrency: int, requests: Callable[[int], Iterator[Request]]) -> Result:
    """`concurrency` client processes, released together, for SECONDS; client `n`
    sends `requests(n)` one after the other (when they run out, it stops)."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(concurrency + 1)
    stop = context.Event()
    results = context.Queue()

    def client(number: int) -> None:
        own = requests(number)
        statuses: dict[int, int] = {}
        ran_out = False
        barrier.wait()
        while not stop.is_set():
            request = next(own, None)
            if request is None:
                ran_out = True
                break
            status, _body = send(port, request)
            statuses[status] = statuses.get(status, 0) + 1
        results.put((statuses, ran_out))

    workers = [context.Process(target=client, args=(n,)) for n in range(concurrency)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(SECONDS)
    stop.set()
    collected = [results.get(timeout=60) for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    statuses: dict[int, int] = {}
    for own, _ran_out in collected:
        for status, count in own.items():
            statuses[status] = statuses.get(status, 0) + count
    total = sum(statuses.values())
    return Result(
        rate=total / elapsed,
        requests=total,
        statuses=statuses,
        ran_out=any(ran_out for _own, ran_out in collected),
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
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    if not os.environ.get("REDIS_URL"):
        print("NOTE: no REDIS_URL: cache and rate limits in each worker's memory, no broker.")
    _admin_execute(server_url, f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
    _admin_execute(server_url, f'CREATE DATABASE "{SCRATCH_DB}"')
    if SYNCHRONOUS_COMMIT != "on":
        _admin_execute(server_url, f'ALTER DATABASE "{SCRATCH_DB}" SET synchronous_commit = off')
    database_url = _with_database(server_url, SCRATCH_DB)
    try:
        setup_django(database_url)
        started = time.perf_counter()
        world = make_world()
        guests = sum(len(codes) for codes in world.codes.values()) + len(world.warm_up)
        took = time.perf_counter() - started
        print(f"Setup: {guests:,} accepted guests with passes in {took:.1f} s")
        from django.db import connections

        connections.close_all()  # the clients fork: they must not share this connection
        with gunicorn(database_url) as port:
            report(port, world)
    finally:
        from django.db import connections

        connections.close_all()
        _admin_execute(server_url, f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')


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
