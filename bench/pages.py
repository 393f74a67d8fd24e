"""The pages of a fair's peaks, served by gunicorn as in production, next to `/healthz/`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/pages.py

Creates a scratch database (`artsvp_bench_pages`, or BENCH_SCRATCH_DB) on the
server DATABASE_URL points at, migrates it and fills it with a fair of
realistic size (bulk inserts): one event with 2,000 claimed portals, one of
them holding 50,000 invites and each other one 5, the guests in a mix of
states; and a small event of the same organization (100 portals, one
holding 100 invites) to compare with. It collects the static files (as the
Docker build does), starts gunicorn with the Procfile's command and
gunicorn.conf.py (production settings: DEBUG=0, Redis for the cache, the
sessions' rate limits and the broker when REDIS_URL is set) and drops the
database at the end.

In the same run, against the same server:

- **throughput** at 1, 10 and 50 concurrent clients (processes; a new
  connection per request, as gunicorn's sync workers close each one) of
  `/healthz/` (the floor: the framework, the database, the cache and the
  broker asked once each) and of each page: the guest page `/i/<token>/`
  (every client its own guests, first opens and repeats mixed as after a
  blast), the owner dashboard of the 50,000-invite portal, the organizer's
  guest list of the event, the portal list of the 2,000-portal group and
  the API list of the portal's invites. One `ratio` line per page: its
  requests per second over `/healthz/`'s at 10 concurrent (targets: guest
  page 0.4, the others 0.15);
- **growth**: each list's first and last page at 50,000 rows (2,000 for the
  portal list) against its first page at 100 rows, median latency of one
  client (target: within 1.5x);
- **the CSV**: the guest list's CSV of the big event against PostgreSQL
  `COPY` of the same columns from the same rows (target: within 4x), and
  the CSV's own growth from 100 rows;
- **queries per page**, counted once in-process through Django's test
  client (the same views, settings and data).

BENCH_SECONDS (per throughput measurement, default 5), BENCH_ROUNDS (latency
rounds, default 15), WEB_CONCURRENCY (gunicorn workers, default gunicorn.conf.py's
2 x cores + 1) and BENCH_SYNCHRONOUS_COMMIT=off tune it. On a machine busy
with other work the figures mean little: run it alone.
"""

from __future__ import annotations

import functools
import itertools
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._serving import (
    BASE_HEADERS,
    ROOT,
    SECONDS,
    SYNCHRONOUS_COMMIT,
    WEB_WORKERS,
    Request,
    Result,
    analyze,
    gunicorn,
    healthz,
    measure,
    scratch_database,
    send,
    setup_django,
)

SCRATCH_DB = os.environ.get("BENCH_SCRATCH_DB", "artsvp_bench_pages")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
CONCURRENCY = (1, 10, 50)
RATIO_AT = 10
BIG_INVITES = 50_000
OTHER_PORTALS = 1_999
INVITES_PER_OTHER_PORTAL = 5
SMALL_INVITES = 100
SMALL_PORTALS = 100
PER_PAGE = 50  # every list's page size (the views' *_PER_PAGE)
GUEST_TOKENS_PER_CLIENT = 400
TARGETS = {"guest page": 0.4}
DEFAULT_TARGET = 0.15
GROWTH_TARGET = 1.5
CSV_TARGET = 4.0


# --- The world -------------------------------------------------------------------------------


@dataclass
class Side:
    """One event's pages: the portal whose invites are listed, its group, the event."""

    event_slug: str
    event_id: int
    event_public_id: str
    group_public_id: str
    portal_public_id: str
    portal_id: int
    invites: int
    portals: int


@dataclass
class World:
    org_slug: str
    api_key: str
    organizer_cookie: str
    owner_cookie: str
    big: Side
    small: Side
    guest_tokens: list[str] = field(default_factory=list)


def _event(organization, slug: str, name: str):
    from django.utils import timezone

    from events.models import Event

    starts = timezone.now() + timedelta(days=30)
    return Event.objects.create(
        organization=organization,
        slug=slug,
        name=name,
        starts_at=starts,
        ends_at=starts + timedelta(days=4),
    )


def _portals(group, count: int, label: str) -> list:
    """`count` claimed portals (as claims leave them, without spending credits on the seed)."""
    from django.utils import timezone

    from portals.models import Portal

    now = timezone.now()
    return Portal.objects.bulk_create(
        (
            Portal(
                organization=group.organization,
                group=group,
                name=f"Galerie {label} {n:04d}",
                allocation=BIG_INVITES if n == 0 else 10,
                status=Portal.Status.ASSIGNED,
                owner_email=f"owner{n}.{label}@example.com",
                contact_email=f"owner{n}.{label}@example.com",
                assigned_at=now,
            )
            for n in range(count)
        ),
        batch_size=2000,
    )


def _invites(organization, event, portal, count: int, start: int) -> list:
    """`count` invites of `portal`, their states mixed as a week after a blast."""
    from django.utils import timezone

    from invites.models import Invite, InviteBatch

    now = timezone.now()
    batch = InviteBatch.objects.create(
        organization=organization,
        event=event,
        portal=portal,
        method=InviteBatch.Method.PASTE,
        size=count,
    )
    states = itertools.cycle(
        [Invite.Status.CREATED] * 4
        + [Invite.Status.OPENED] * 2
        + [Invite.Status.ACCEPTED] * 3
        + [Invite.Status.DECLINED]
    )
    rows = []
    for n in range(start, start + count):
        status = next(states)
        rows.append(
            Invite(
                organization=organization,
                event=event,
                batch=batch,
                portal=portal,
                guest_name=f"Guest {n}",
                guest_email=f"guest{n}@example.com",
                status=status,
                opened_at=None if status == Invite.Status.CREATED else now,
                responded_at=now
                if status in (Invite.Status.ACCEPTED, Invite.Status.DECLINED)
                else None,
            )
        )
    return Invite.objects.bulk_create(rows, batch_size=2000)


def _side(organization, *, slug: str, portals: int, listed: int, others: int) -> Side:
    from portals.services import GroupSettings, create_group

    event = _event(organization, slug, f"Art Week {slug}")
    group = create_group(event, settings=GroupSettings(name="Exhibitors"))
    rows = _portals(group, portals, slug)
    _invites(organization, event, rows[0], listed, 0)
    if others:
        from invites.models import Invite, InviteBatch

        start = listed
        batch_rows = []
        for portal in rows[1:]:
            batch_rows.append(
                InviteBatch(
                    organization=organization,
                    event=event,
                    portal=portal,
                    method=InviteBatch.Method.PASTE,
                    size=others,
                )
            )
        batches = InviteBatch.objects.bulk_create(batch_rows, batch_size=2000)
        Invite.objects.bulk_create(
            (
                Invite(
                    organization=organization,
                    event=event,
                    batch=batch,
                    portal=batch.portal,
                    guest_name=f"Guest {start + n * others + k}",
                    guest_email=f"guest{start + n * others + k}@example.com",
                )
                for n, batch in enumerate(batches)
                for k in range(others)
            ),
            batch_size=5000,
        )
    from django.db.models import Count

    from invites.models import Invite
    from portals.models import Portal

    counted = dict(
        Invite.objects.filter(event=event)
        .values_list("portal")
        .annotate(n=Count("id"))
        .values_list("portal", "n")
    )
    for portal in rows:
        portal.invites_used = counted.get(portal.pk, 0)
    Portal.objects.bulk_update(rows, ["invites_used"], batch_size=2000)
    return Side(
        event_slug=event.slug,
        event_id=event.pk,
        event_public_id=event.public_id,
        group_public_id=group.public_id,
        portal_public_id=rows[0].public_id,
        portal_id=rows[0].pk,
        invites=listed,
        portals=portals,
    )


def _session_cookie(session_data: dict) -> str:
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    for key, value in session_data.items():
        store[key] = value
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def make_world() -> World:
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )

    from invites.models import Invite
    from organizations.api_key_services import create_api_key
    from organizations.services import create_organization
    from portals.owner_sessions import SESSION_KEY as OWNER_KEY

    user = get_user_model().objects.create_user(
        username="organizer", email="organizer@example.com", password=None
    )
    organization = create_organization("Basel Art Week", owner=user)
    big = _side(
        organization,
        slug="big",
        portals=OTHER_PORTALS + 1,
        listed=BIG_INVITES,
        others=INVITES_PER_OTHER_PORTAL,
    )
    small = _side(organization, slug="small", portals=SMALL_PORTALS, listed=SMALL_INVITES, others=0)
    key = create_api_key(organization, name="integration", created_by=user)
    from portals.models import Portal

    owners = {
        portal.public_id: portal.owner_email.lower()
        for portal in Portal.objects.filter(
            public_id__in=[big.portal_public_id, small.portal_public_id]
        )
    }
    organizer_cookie = _session_cookie(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )
    owner_cookie = _session_cookie({OWNER_KEY: owners})
    tokens = list(
        Invite.objects.filter(portal_id=big.portal_id)
        .exclude(status=Invite.Status.DECLINED)
        .values_list("token", flat=True)
    )
    random.Random(15).shuffle(tokens)
    analyze()
    return World(
        org_slug=organization.slug,
        api_key=key.secret,
        organizer_cookie=organizer_cookie,
        owner_cookie=owner_cookie,
        big=big,
        small=small,
        guest_tokens=tokens,
    )


# --- The pages ---------------------------------------------------------------------------------


def _cursor_of_last_page(side: Side, list_name: str) -> str:
    """The cursor the list's last page starts from: after the row PER_PAGE from the end."""
    from artsvp.keyset import FORWARD, _encode
    from invites.models import Invite
    from portals.models import Portal

    if list_name == "portal list":
        # Portals by ("name", "id"): the last page starts after this one.
        portals = Portal.objects.filter(group__public_id=side.group_public_id)
        portal = portals.order_by("-name", "-id")[PER_PAGE]
        return _encode(FORWARD, [portal.name, portal.pk])
    invites = Invite.objects.filter(event_id=side.event_id)
    if list_name == "owner dashboard":
        invites = invites.filter(portal_id=side.portal_id)
    if list_name == "API list":
        first = invites.filter(portal_id=side.portal_id).order_by("id")[PER_PAGE]
        return f"v1.{first.pk:x}"
    # Newest first: the last page starts after the PER_PAGE + 1th oldest.
    row = invites.order_by("created_at", "id")[PER_PAGE]
    return _encode(FORWARD, [row.created_at.isoformat(), row.pk])


def page_request(world: World, side: Side, list_name: str, *, last: bool = False) -> Request:
    from django.urls import reverse

    cursor = _cursor_of_last_page(side, list_name) if last else None
    headers = dict(BASE_HEADERS)
    if list_name == "owner dashboard":
        path = reverse("owner:dashboard", args=[side.portal_public_id])
        headers["Cookie"] = world.owner_cookie
    elif list_name == "guest list":
        path = reverse("invites:guest_list", args=[world.org_slug, side.event_slug])
        headers["Cookie"] = world.organizer_cookie
    elif list_name == "portal list":
        path = reverse("portals:group_detail", args=[world.org_slug, side.group_public_id])
        headers["Cookie"] = world.organizer_cookie
    elif list_name == "API list":
        path = f"/api/v1/portals/{side.portal_public_id}/invites"
        headers["Authorization"] = f"Bearer {world.api_key}"
    elif list_name == "guest list CSV":
        path = reverse("invites:guest_list_csv", args=[world.org_slug, side.event_slug])
        headers["Cookie"] = world.organizer_cookie
    else:
        raise ValueError(list_name)
    if cursor:
        path += f"?cursor={cursor}"
    return Request("GET", path, headers)


LISTS = ("owner dashboard", "guest list", "portal list", "API list")


def guest_pages(world: World, concurrency: int, offset: int) -> list[list[Request]]:
    """Each client its own guests (from the `offset`th token on): each opens the
    link, then opens it again. Guests open their links from their own phones: one
    address each, as the proxy in front of gunicorn reports it (TRUSTED_PROXY_HOPS=1)."""
    per = GUEST_TOKENS_PER_CLIENT
    slices = [
        world.guest_tokens[offset + n * per : offset + (n + 1) * per] for n in range(concurrency)
    ]
    return [
        [
            Request("GET", f"/i/{token}/", {**BASE_HEADERS, "X-Forwarded-For": _address(n, k)})
            for k, token in enumerate(own)
        ]
        for n, own in enumerate(slices)
    ]


def _address(client: int, guest: int) -> str:
    return f"10.{client}.{guest // 250}.{guest % 250 + 1}"


# --- Queries per page, in-process -------------------------------------------------------------


def query_counts(world: World) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, int] = {}
    requests = {
        "guest page": Request("GET", f"/i/{world.guest_tokens[-1]}/", dict(BASE_HEADERS)),
        **{name: page_request(world, world.big, name) for name in LISTS},
    }
    for name, request in requests.items():
        client = Client()
        cookie = request.headers.get("Cookie")
        if cookie:
            cookie_name, value = cookie.split("=", 1)
            client.cookies[cookie_name] = value
        headers = {name: value for name, value in request.headers.items() if name != "Cookie"}
        with CaptureQueriesContext(connection) as queries:
            response = client.get(request.path, headers=headers)
        if response.status_code != 200:
            sys.exit(f"{name}: {request.path} answered {response.status_code} in-process")
        counts[name] = len(queries.captured_queries)
    return counts


# --- Measuring ------------------------------------------------------------------------------------


def check(port: int, name: str, request: Request) -> None:
    status, body = send(port, request)
    if status != 200:
        sys.exit(f"{name}: {request.path} answered {status}: {body[:300]!r}")


def latency(port: int, request: Request, rounds: int = ROUNDS) -> float:
    """Median seconds of `rounds` requests, one at a time, after one warm-up."""
    send(port, request)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        status, _body = send(port, request)
        timings.append(time.perf_counter() - started)
        assert status == 200, (request.path, status)
    return statistics.median(timings)


def copy_floor(database_url: str, side: Side, rounds: int) -> float:
    """PostgreSQL COPY of the guest list CSV's columns, the same rows and joins."""
    import psycopg

    sql = """
        COPY (
            SELECT i.guest_name, i.guest_email,
                   COALESCE(p.name, 'Organizer'), COALESCE(t.name, ''), COALESCE(t.code, ''),
                   i.label, i.status, i.plus_ones_allowed, i.plus_ones, i.uses, i.uses_taken,
                   COALESCE(parent.public_id, ''), COALESCE(w.label, ''), w.starts_at,
                   array_to_string(ARRAY(SELECT jsonb_array_elements_text(i.tags)), ', '),
                   i.responded_at,
                   (SELECT min(c.created_at) FROM door_checkin c WHERE c.invite_id = i.id),
                   (SELECT count(*) FROM door_checkin c WHERE c.invite_id = i.id),
                   CASE WHEN i.portal_id IS NULL THEN 'https://x/i/' || i.token || '/' ELSE '' END
            FROM invites_invite i
            LEFT JOIN portals_portal p ON p.id = i.portal_id
            LEFT JOIN portals_invitetype t ON t.id = i.invite_type_id
            LEFT JOIN events_entrywindow w ON w.id = i.entry_window_id
            LEFT JOIN invites_invite parent ON parent.id = i.parent_id
            WHERE i.event_id = %s
            ORDER BY i.created_at, i.id
        ) TO STDOUT WITH (FORMAT csv, HEADER true)
    """
    timings = []
    with psycopg.connect(database_url) as connection:
        for _ in range(rounds + 1):
            started = time.perf_counter()
            size = 0
            with (
                connection.cursor() as cursor,
                cursor.copy(sql.replace("%s", str(side.event_id))) as copy,
            ):
                for chunk in copy:
                    size += len(chunk)
            timings.append(time.perf_counter() - started)
    return statistics.median(timings[1:])


def main() -> None:
    if not os.environ.get("REDIS_URL"):
        print("NOTE: no REDIS_URL: cache and rate limits in each worker's memory, no broker.")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    with scratch_database(SCRATCH_DB) as database_url:
        setup_django(database_url)
        started = time.perf_counter()
        world = make_world()
        print(
            f"Setup: {world.big.portals:,} portals, {BIG_INVITES:,} invites on one of them and "
            f"{INVITES_PER_OTHER_PORTAL} on each other; a small event of {SMALL_PORTALS} portals "
            f"and {SMALL_INVITES} invites; {time.perf_counter() - started:.1f} s"
        )
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env={**os.environ, "DEBUG": "0"},
            check=True,
        )
        counts = query_counts(world)
        # Behind one proxy of our own, as in production: per-address limits
        # see each guest's address, not the proxy's.
        with gunicorn(database_url, extra_env={"TRUSTED_PROXY_HOPS": "1"}) as port:
            report(port, world, counts, database_url)


def _twice(own: list[list[Request]], client: int) -> Iterator[Request]:
    """Client `client`'s guests opened, then opened again."""
    return iter(own[client] * 2)


def _repeat(request: Request, client: int) -> Iterator[Request]:
    return itertools.repeat(request)


def report(port: int, world: World, counts: dict[str, int], database_url: str) -> None:
    print(
        f"gunicorn as in production (Procfile, gunicorn.conf.py), {WEB_WORKERS} workers; "
        f"{SECONDS:.0f} s per throughput measurement, {ROUNDS} rounds per latency; "
        f"synchronous_commit {SYNCHRONOUS_COMMIT}"
    )
    pages = {name: page_request(world, world.big, name) for name in LISTS}
    for name, request in pages.items():
        check(port, name, request)
    for _ in range(20):
        send(port, healthz())

    # Throughput.
    print("\nThroughput (requests per second; queries per page in brackets)")
    rates: dict[str, dict[int, Result]] = {"/healthz/": {}}
    for concurrency in CONCURRENCY:
        rates["/healthz/"][concurrency] = measure(
            port, concurrency, lambda n: itertools.repeat(healthz())
        )
    offsets = itertools.accumulate((c * GUEST_TOKENS_PER_CLIENT for c in CONCURRENCY), initial=0)
    guest = {
        c: guest_pages(world, c, offset) for c, offset in zip(CONCURRENCY, offsets, strict=False)
    }
    rates["guest page"] = {
        c: measure(port, c, functools.partial(_twice, guest[c])) for c in CONCURRENCY
    }
    for name, request in pages.items():
        rates[name] = {
            c: measure(port, c, functools.partial(_repeat, request)) for c in CONCURRENCY
        }
    header = "  ".join(f"{c:>3} conc." for c in CONCURRENCY)
    print(f"  {'path':<34}{header}   statuses")
    for name, per in rates.items():
        shown = "  ".join(f"{per[c].rate:8,.0f}" for c in CONCURRENCY)
        statuses: dict[int, int] = {}
        for result in per.values():
            for status, n in result.statuses.items():
                statuses[status] = statuses.get(status, 0) + n
        queries = f" [{counts[name]}]" if name in counts else ""
        print(f"  {name + queries:<34}{shown}   {statuses}")
    floor = rates["/healthz/"][RATIO_AT].rate
    for name, per in rates.items():
        if name == "/healthz/":
            continue
        ratio = per[RATIO_AT].rate / floor
        target = TARGETS.get(name, DEFAULT_TARGET)
        verdict = "met" if ratio >= target else "MISSED"
        if set(per[RATIO_AT].statuses) != {200}:
            verdict = f"NOT VALID: answered {per[RATIO_AT].statuses}"
        print(
            f"ratio {name}/healthz at {RATIO_AT} concurrent {ratio:.2f} (target {target}) {verdict}"
        )

    # Growth.
    print("\nGrowth (median ms of one client; big = 50,000 invites or 2,000 portals)")
    for name in LISTS:
        small = latency(port, page_request(world, world.small, name))
        first = latency(port, page_request(world, world.big, name))
        last = latency(port, page_request(world, world.big, name, last=True))
        print(
            f"  {name:<18} small {small * 1000:7.1f}   big first {first * 1000:7.1f}   "
            f"big last {last * 1000:7.1f}"
        )
        worst = max(first, last) / small
        print(
            f"ratio {name} big/small {worst:.2f} (target within {GROWTH_TARGET}x) "
            f"{'met' if worst <= GROWTH_TARGET else 'MISSED'}"
        )

    # The CSV.
    rounds = max(3, ROUNDS // 3)
    csv_small = latency(port, page_request(world, world.small, "guest list CSV"), rounds)
    csv_big = latency(port, page_request(world, world.big, "guest list CSV"), rounds)
    floor_big = copy_floor(database_url, world.big, rounds)
    rows = BIG_INVITES + OTHER_PORTALS * INVITES_PER_OTHER_PORTAL
    print(
        f"\nGuest-list CSV: {SMALL_INVITES} rows {csv_small * 1000:.0f} ms; {rows:,} rows "
        f"{csv_big * 1000:.0f} ms; COPY of the same rows {floor_big * 1000:.0f} ms"
    )
    print(
        f"ratio CSV/COPY {csv_big / floor_big:.2f} (target within {CSV_TARGET}x) "
        f"{'met' if csv_big / floor_big <= CSV_TARGET else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
