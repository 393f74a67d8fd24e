"""Does a 10,000-invite batch hold up single invites on another portal of its organization?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/batch_hold.py

Every invite of an organization pays from one credit account row. A batch
that locked that row before inserting its 10,000 invites made every other
invite and claim of the organization wait for the whole insert. This
measures it, in the same run:

- idle: single invites (one guest, `generate_invites`, one transaction each)
  on portal B, one after another, with nothing else running;
- during a batch of the same organization: the same single invites on
  portal B while another process generates 10,000 blank invites on portal A
  of the same organization (every invite that started while the batch ran
  counts, however long it then took);
- during a batch of another organization: the same, the batch on a portal
  of another organization, which shares no row with portal B: the cost of
  the machine being busy (the batch's CPU and disk), without its locks.

It prints the single invite's latency (median, p95, max) in each, the
ratios of "during the same organization's batch" to idle (target: p95
within 3x; `worst` is its max against the idle median, the issue's "40x its
median") and to the other organization's batch (what the locks add), and
how long the batch held the credit account (from its ledger call to its
commit) next to its total time. BENCH_ROUNDS (rounds of the three; default
3) and BENCH_SYNCHRONOUS_COMMIT=off (no disk flush per commit) tune it.
Processes, not threads, as gunicorn runs them: a thread would also wait for
the batch's Python work on the GIL. On 2 cores the single invites share the
CPU with the batch and its database backend, so even a batch that holds no
lock of theirs slows them down: compare with the other organization's row.

Creates a scratch database (`artsvp_bench_batch_hold`, or BENCH_SCRATCH_DB)
on the server DATABASE_URL points at, migrates it and drops it at the end.
The machine is shared and these figures are noisy: compare runs made a few
minutes apart, several rounds each.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import time
import uuid
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH_DB = os.environ.get("BENCH_SCRATCH_DB", "artsvp_bench_batch_hold")
SIZE = 10_000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
IDLE_SECONDS = 2.0
SYNCHRONOUS_COMMIT = "off" if os.environ.get("BENCH_SYNCHRONOUS_COMMIT") == "off" else "on"
TARGET_RATIO = 3.0


def _with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _admin(url: str, sql: str) -> None:
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(sql)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"  # no per-query logging in memory
    os.environ.setdefault("SECRET_KEY", "bench-only-" + uuid.uuid4().hex)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_world(name: str) -> tuple[Any, Any]:
    """An organization with two claimed portals of one event, and credits for everything."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from credits import ledger
    from credits.models import CreditEntry, CreditKind
    from events.models import Event
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
    big = create_portal(group, name="Big booth", allocation=SIZE * (ROUNDS + 1))
    small = create_portal(group, name="Small booth", allocation=1_000_000)
    for kind, amount in ((CreditKind.PORTAL, 2), (CreditKind.INVITE, 10_000_000)):
        ledger.grant_now(
            organization,
            kind,
            amount,
            reason=CreditEntry.Reason.DEMO_GRANT,
            idempotency_key=f"bench:{uuid.uuid4().hex}",
        )
    return (
        claim_portal(big, email=f"big@{name}.example"),
        claim_portal(small, email=f"small@{name}.example"),
    )


def single_invite(portal: Any) -> float:
    from invites.models import InviteBatch
    from invites.services import GuestInput, generate_invites

    started = time.perf_counter()
    generate_invites(
        portal,
        [GuestInput(name="Ada Lovelace", email="ada@example.com")],
        method=InviteBatch.Method.SINGLE,
    )
    return time.perf_counter() - started


def run_batch(portal: Any, started: Any, done: Any, report: Any) -> None:
    """The child process: one 10,000-invite batch, timing how long it holds the account."""
    from django.db import connection, transaction

    from credits import ledger
    from invites.models import InviteBatch
    from invites.services import generate_invites
    from portals.services import DEFAULT_TYPE_CODE

    connection.close()  # the parent's socket is not ours
    held: dict[str, float] = {}
    consume = ledger.consume

    def timed_consume(*args: Any, **kwargs: Any) -> Any:
        # The account's row lock is taken by this call and kept until commit.
        held["locked"] = time.perf_counter()
        transaction.on_commit(lambda: held.setdefault("committed", time.perf_counter()))
        return consume(*args, **kwargs)

    ledger.consume = timed_consume  # this process only
    try:
        started.set()
        begin = time.perf_counter()
        generate_invites(
            portal, [], blank=SIZE, invite_type=DEFAULT_TYPE_CODE, method=InviteBatch.Method.API
        )
        end = time.perf_counter()
        done.set()
        report.put((end - begin, held["committed"] - held["locked"]))
    finally:
        connection.close()


def measure_loaded(big: Any, small: Any) -> tuple[list[float], float, float]:
    """Single invites on `small` while one batch runs on `big` in another process."""
    from django.db import connection

    context = multiprocessing.get_context("fork")
    started, done, report = context.Event(), context.Event(), context.Queue()
    connection.close()
    child = context.Process(target=run_batch, args=(big, started, done, report))
    child.start()
    if not started.wait(timeout=60):
        raise RuntimeError("the batch process did not start")
    samples = []
    # Every invite that started while the batch ran counts, however long it
    # then waited: the ones stuck behind the batch are the point.
    while not done.is_set():
        samples.append(single_invite(small))
    batch_seconds, held_seconds = report.get(timeout=120)
    child.join(timeout=60)
    if child.exitcode != 0:
        raise RuntimeError(f"the batch process failed ({child.exitcode})")
    return samples, batch_seconds, held_seconds


def measure_idle(small: Any) -> list[float]:
    samples = []
    until = time.perf_counter() + IDLE_SECONDS
    while time.perf_counter() < until:
        samples.append(single_invite(small))
    return samples


def _stats(samples: list[float]) -> tuple[float, float, float]:
    p95 = (
        statistics.quantiles(samples, n=20, method="inclusive")[18]
        if len(samples) >= 2
        else samples[0]
    )
    return statistics.median(samples), p95, max(samples)


def _ms(value: float) -> str:
    return f"{value * 1000:7.1f} ms"


def main() -> None:
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server: postgres://postgres@127.0.0.1:5432/postgres"
        )
    _admin(server_url, f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
    _admin(server_url, f'CREATE DATABASE "{SCRATCH_DB}"')
    if SYNCHRONOUS_COMMIT != "on":
        _admin(server_url, f'ALTER DATABASE "{SCRATCH_DB}" SET synchronous_commit = off')
    idle: list[float] = []
    loaded: list[float] = []
    elsewhere: list[float] = []
    batches: list[tuple[float, float]] = []
    try:
        setup_django(_with_database(server_url, SCRATCH_DB))
        big, small = make_world("bench")
        other_big, _other_small = make_world("other")
        measure_idle(small)  # warm up imports, caches and the server
        for number in range(ROUNDS):
            idle += measure_idle(small)
            samples, _seconds, _held = measure_loaded(other_big, small)
            elsewhere += samples
            samples, batch_seconds, held_seconds = measure_loaded(big, small)
            loaded += samples
            batches.append((batch_seconds, held_seconds))
            print(
                f"  round {number + 1}: batch {_ms(batch_seconds)},"
                f" account held {_ms(held_seconds)}; {len(samples)} single invites"
                f" meanwhile, max {_ms(max(samples or [0]))}",
                flush=True,
            )
        from django.core.management import call_command

        call_command("check_ledger", stdout=open(os.devnull, "w"))  # noqa: SIM115
    finally:
        from django.db import connections

        connections.close_all()
        _admin(server_url, f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')

    if not loaded:
        sys.exit("No single invite finished while a batch ran: the batch is too fast to measure.")
    idle_stats, loaded_stats, elsewhere_stats = _stats(idle), _stats(loaded), _stats(elsewhere)
    print(
        f"Single invites on portal B, a {SIZE:,}-invite batch on portal A of the same"
        f" organization ({ROUNDS} rounds, PostgreSQL, synchronous_commit={SYNCHRONOUS_COMMIT}):"
    )
    print("                                          median        p95        max   samples")
    for label, (median, p95, worst), count in (
        ("idle", idle_stats, len(idle)),
        ("during another organization's batch", elsewhere_stats, len(elsewhere)),
        ("during the same organization's batch", loaded_stats, len(loaded)),
    ):
        print(f"  {label:36s} {_ms(median)} {_ms(p95)} {_ms(worst)}   {count:7d}")
    batch_median = statistics.median(seconds for seconds, _held in batches)
    held_median = statistics.median(held for _seconds, held in batches)
    print(
        f"  the batch: {_ms(batch_median)} (median), of which it held the credit account"
        f" {_ms(held_median)} ({held_median / batch_median:.0%})"
    )
    ratio_p95 = loaded_stats[1] / idle_stats[1]
    print(f"  ratio median      {loaded_stats[0] / idle_stats[0]:6.2f}x  (during / idle)")
    print(
        f"  ratio p95         {ratio_p95:6.2f}x  (during / idle; target <= {TARGET_RATIO:g}x:"
        f" {'met' if ratio_p95 <= TARGET_RATIO else 'MISSED'})"
    )
    print(
        f"  worst             {loaded_stats[2] / idle_stats[0]:6.2f}x  (max during / idle median)"
    )
    print(
        f"  ratio p95 locks   {loaded_stats[1] / elsewhere_stats[1]:6.2f}x  (same organization's"
        " batch / another organization's: what sharing the account adds)"
    )


if __name__ == "__main__":
    main()
