"""How the portal owner's "email every unsent invite" page grows with the portal.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/11 \
        .venv/bin/python bench/send_page.py [--profile]

Creates a scratch database (`artsvp_bench_send`) on the server DATABASE_URL
points at, migrates it, and drops it at the end. For each size (100 and
10,000 invites never emailed on one claimed portal, plus a tenth as many
already emailed, next to another organization's 10,000 emailed invites so
the outbox is not empty) it measures, through Django's test client with
production settings, signed in as the portal's owner:

- the page: `GET /portal/<id>/email/?scope=unsent` (recipients and counts);
- the preview: the same page's `step=preview` POST (the first guest's email);
- the send: the `step=send` POST that queues one email per unsent invite
  (on a fresh portal each round; the tasks go to the broker in REDIS_URL,
  which this script purges at the end; without REDIS_URL they are not
  published at all, and no email is sent either way).

It prints milliseconds per request at both sizes (median of several rounds)
and the growth ratio of each (target for the page: within 1.5x of itself at
100 invites). The machine is shared: the figures are noisy, compare runs made
within minutes of each other. `--profile` prints where one page view at the
larger size spends its time (cProfile, top functions by cumulative time).
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse, urlunparse

import psycopg

if TYPE_CHECKING:  # Django is set up at run time, below.
    from django.test import Client

    from organizations.models import Organization
    from portals.models import Portal

ROOT = Path(__file__).resolve().parent.parent
# Another name when several checkouts bench on one server at once.
SCRATCH_DB = os.environ.get("BENCH_SCRATCH_DB", "artsvp_bench_send")
SMALL, LARGE = 100, 10_000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
SEND_ROUNDS = int(os.environ.get("BENCH_SEND_ROUNDS", "3"))
TARGET_GROWTH = 1.5
FORM = {"subject": "You're invited to {{ event }}", "message": "Hello {{ name }}"}


def _with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _admin(url: str, sql: str) -> None:
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(sql)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"  # production settings: no per-query logging in memory
    os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_hex(16))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    # Production settings look for collected static files; these pages only link to them.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # The pages' CSS/JS tags need a manifest only collectstatic writes; serving is not measured.
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    call_command("migrate", verbosity=0)


def make_organization(name: str) -> Organization:
    from django.contrib.auth import get_user_model

    from organizations.services import create_organization

    slug = name.lower().replace(" ", "-")
    user = get_user_model().objects.create_user(username=slug, email=f"{slug}@example.com")
    return create_organization(name, owner=user)


def make_portal(organization: Organization, label: str, *, unsent: int, emailed: int) -> Portal:
    """A claimed portal with `unsent` invites never emailed and `emailed` sent once."""
    from datetime import timedelta

    from django.utils import timezone

    from deliveries.models import Delivery
    from events.models import Event
    from invites.emails import INVITE_TEMPLATE
    from invites.models import Invite, InviteBatch
    from portals.services import GroupSettings, create_group, create_portal

    starts = timezone.now() + timedelta(days=30)
    event = Event.objects.create(
        organization=organization,
        slug=f"fair-{label}",
        name=f"Fair {label}",
        starts_at=starts,
        ends_at=starts + timedelta(days=2),
    )
    group = create_group(event, settings=GroupSettings(name="Exhibitors"))
    portal = create_portal(group, name=f"Gallery {label}", allocation=unsent + emailed)
    # As a claim leaves it, without spending credits on the seed.
    portal.status = portal.Status.ASSIGNED
    portal.owner_email = f"owner-{label}@example.com"
    portal.assigned_at = timezone.now()
    portal.save()
    batch = InviteBatch.objects.create(
        organization=organization,
        event=event,
        portal=portal,
        method=InviteBatch.Method.PASTE,
        size=unsent + emailed,
    )
    invites = Invite.objects.bulk_create(
        (
            Invite(
                organization=organization,
                event=event,
                batch=batch,
                portal=portal,
                guest_name=f"Guest {n}",
                guest_email=f"guest{n}.{label}@example.com",
            )
            for n in range(unsent + emailed)
        ),
        batch_size=2000,
    )
    now = timezone.now()
    Delivery.objects.bulk_create(
        (
            Delivery(
                organization=organization,
                about=invite,
                template=INVITE_TEMPLATE,
                recipient=invite.guest_email,
                status=Delivery.Status.SENT,
                sent_at=now,
            )
            for invite in invites[unsent:]
        ),
        batch_size=2000,
    )
    return portal


def analyze() -> None:
    """Planner statistics, as autovacuum keeps them on a live database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def owner_client(portal: Portal) -> Client:
    from django.test import Client

    from portals.owner_sessions import SESSION_KEY

    client = Client()
    session = client.session
    session[SESSION_KEY] = {portal.public_id: portal.owner_email.lower()}
    session.save()
    return client


def _url(portal: Portal) -> str:
    from django.urls import reverse

    return reverse("owner:send", args=[portal.public_id])


def view_page(client: Client, portal: Portal, expected: int) -> float:
    started = time.perf_counter()
    response = client.get(_url(portal), {"scope": "unsent"}, secure=True)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    html = response.content.decode().replace(",", "").replace("\u00a0", "")
    assert f"<strong>{expected} guests</strong>" in html
    return elapsed


def view_preview(client: Client, portal: Portal) -> float:
    started = time.perf_counter()
    response = client.post(
        _url(portal), {"scope": "unsent", "step": "preview", **FORM}, secure=True
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    assert b"email-preview" in response.content
    return elapsed


def send_all(client: Client, portal: Portal, expected: int) -> float:
    from deliveries.models import Delivery

    started = time.perf_counter()
    response = client.post(_url(portal), {"scope": "unsent", "step": "send", **FORM}, secure=True)
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    send_id = response["Location"].rsplit("send=", 1)[1]
    assert Delivery.objects.filter(send_id=send_id).count() == expected
    return elapsed


def profile_page(client: Client, portal: Portal) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    client.get(_url(portal), {"scope": "unsent"}, secure=True)
    profiler.disable()
    print(f"\nProfile of one page view at {LARGE:,} invites (cumulative):")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(14)
    print("(own time):")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def peak_mib(client: Client, portal: Portal, expected: int) -> float:
    """The most memory Python held at once during one page view, above what it held before."""
    import tracemalloc

    tracemalloc.start()
    try:
        view_page(client, portal, expected)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def bench() -> dict[str, Any]:
    other = make_organization("Other Fair")
    make_portal(other, "other", unsent=0, emailed=LARGE)
    organization = make_organization("Bench Fair")
    pages = {
        size: make_portal(organization, f"page{size}", unsent=size, emailed=size // 10)
        for size in (SMALL, LARGE)
    }
    analyze()
    clients = {size: owner_client(portal) for size, portal in pages.items()}
    for size, portal in pages.items():  # warm up imports, templates, caches
        view_page(clients[size], portal, size)
        view_preview(clients[size], portal)
    page_times: dict[int, list[float]] = {SMALL: [], LARGE: []}
    preview_times: dict[int, list[float]] = {SMALL: [], LARGE: []}
    for _ in range(ROUNDS):  # alternate the sizes: the machine's noise hits both
        for size, portal in pages.items():
            page_times[size].append(view_page(clients[size], portal, size))
            preview_times[size].append(view_preview(clients[size], portal))
    memory = {size: peak_mib(clients[size], portal, size) for size, portal in pages.items()}
    send_times: dict[int, list[float]] = {SMALL: [], LARGE: []}
    for n in range(SEND_ROUNDS):
        for size in (SMALL, LARGE):
            portal = make_portal(organization, f"send{size}-{n}", unsent=size, emailed=size // 10)
            analyze()
            send_times[size].append(send_all(owner_client(portal), portal, size))
    if "--profile" in sys.argv:
        profile_page(clients[LARGE], pages[LARGE])
    return {
        "page": page_times,
        "preview": preview_times,
        "send": send_times,
        "memory": memory,
    }


def purge_broker() -> None:
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from config.celery import app

    app.control.purge()


def main() -> None:
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    if not os.environ.get("REDIS_URL"):
        # Without a broker the send tasks would run in this process and email everyone.
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
        os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    _admin(server_url, f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
    _admin(server_url, f'CREATE DATABASE "{SCRATCH_DB}"')
    try:
        setup_django(_with_database(server_url, SCRATCH_DB))
        if not os.environ.get("REDIS_URL"):
            from deliveries.services import queueing

            # No broker: publish nothing.
            queueing.enqueue_deliveries = lambda ids, **kwargs: len(ids)
        results = bench()
        purge_broker()
    finally:
        from django.db import connections

        connections.close_all()
        _admin(server_url, f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')

    print(
        f'The owner\'s "email every unsent invite" flow, {SMALL:,} vs {LARGE:,} invites '
        f"(median of {ROUNDS} rounds, send: of {SEND_ROUNDS}; PostgreSQL, test client, "
        "production settings; shared machine, noisy):"
    )
    for name, label in (
        ("page", "page (GET ?scope=unsent)"),
        ("preview", "preview (POST step=preview)"),
        ("send", "send (POST step=send)"),
    ):
        small = statistics.median(results[name][SMALL]) * 1000
        large = statistics.median(results[name][LARGE]) * 1000
        print(
            f"  {label:30} {small:9.1f} ms at {SMALL:,}  {large:9.1f} ms at {LARGE:,}"
            f"  growth {large / small:6.2f}x"
        )
    page_growth = statistics.median(results["page"][LARGE]) / statistics.median(
        results["page"][SMALL]
    )
    memory = results["memory"]
    print(
        f"  page, peak Python memory        {memory[SMALL]:6.1f} MiB at {SMALL:,}"
        f"  {memory[LARGE]:6.1f} MiB at {LARGE:,} (tracemalloc, one view)"
    )
    print(f"  ratio page {LARGE:,}/{SMALL:,}     {page_growth:6.2f}x")
    print(
        f"  target            page within {TARGET_GROWTH}x of itself at {SMALL:,}: "
        f"{'met' if page_growth <= TARGET_GROWTH else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
