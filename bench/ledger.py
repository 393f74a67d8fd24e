"""Ledger throughput on one hot account, against a raw-SQL baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/artsvp .venv/bin/python bench/ledger.py

Prints consumptions per second of one credit from one account with 8
concurrent workers (processes, one connection each, one transaction per
consumption) through `credits/ledger.py`, then the same through a baseline
doing the least equivalent work by hand (lock the account row, insert the
entry, update the balance, commit), and their ratio. Target: >= 0.7.

Knobs (environment): BENCH_MODE=thread (threads instead of processes),
BENCH_ROUNDS, BENCH_SECONDS, BENCH_SYNCHRONOUS_COMMIT=off (no disk flush per
commit: compares the code rather than the disk), BENCH_DJANGO_PREPARED=1 (the
ledger's connections use server-side binding and prepared statements, which
settings.py does not enable today).

Two baselines: raw SQL on a connection set up as Django sets up its own (no
server-side prepared statements: every statement is parsed and planned),
and raw SQL with psycopg's defaults (prepared from the fifth execution). The
target applies to the first, which isolates the ledger's own overhead; the
second shows what prepared statements would add on top.

Every consumption of one account serialises on that account's row lock, so
both figures measure how long the lock is held; the ratio is the ledger's
overhead inside that critical section.

It never touches the database named in DATABASE_URL: it creates a scratch
database (`artsvp_bench`) on the same server, migrates it, and drops it at
the end. Rounds alternate ledger and baseline and the median is reported,
because the machine is shared and single rounds are noisy.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORKERS = 8
SECONDS_PER_ROUND = float(os.environ.get("BENCH_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
MODE = os.environ.get("BENCH_MODE", "process")
SYNCHRONOUS_COMMIT = "off" if os.environ.get("BENCH_SYNCHRONOUS_COMMIT") == "off" else "on"
DJANGO_PREPARED = os.environ.get("BENCH_DJANGO_PREPARED") == "1"
# Another name when several checkouts bench on one server at once.
SCRATCH_DB = os.environ.get("BENCH_SCRATCH_DB", "artsvp_bench")
TARGET_RATIO = 0.7


def scratch_url() -> tuple[str, dict]:
    """The scratch database's URL, and how to reach its server for CREATE/DROP."""
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/artsvp")
    config = dj_database_url.parse(url)
    if not config["ENGINE"].endswith("postgresql"):
        sys.exit("bench/ledger.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    server = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"] or "postgres",
        "password": config["PASSWORD"] or None,
    }
    return urlunsplit(urlsplit(url)._replace(path=f"/{SCRATCH_DB}")), server


def admin_execute(server: dict, sql: str) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(sql)


def run_workers(
    work: Callable[[int, Any], int], seconds: float = SECONDS_PER_ROUND, workers: int = WORKERS
) -> float:
    """Run `work(worker_number, stop)` in `workers` workers; return operations per second.

    Workers are processes (forked, one database connection each), as in
    production where gunicorn and Celery run processes; BENCH_MODE=thread
    runs threads instead, which also measures contention on the GIL.
    """
    if MODE == "thread":
        barrier: Any = threading.Barrier(workers + 1)
        stop: Any = threading.Event()
        counts: Any = [0] * workers
        start = threading.Thread
    else:
        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(workers + 1)
        stop = context.Event()
        counts = context.Array("q", workers)
        start = context.Process  # type: ignore[assignment]  # a multiprocessing context's Process class, typed per start method

    def runner(number: int) -> None:
        barrier.wait()
        counts[number] = work(number, stop)

    running = [start(target=runner, args=(n,)) for n in range(workers)]
    for worker in running:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for worker in running:
        worker.join()
    elapsed = time.perf_counter() - started
    return sum(counts) / elapsed


def raw_consume(conn: psycopg.Connection, account_id: int, organization_id: int, key: str) -> None:
    """The floor of one consumption of one credit: the least work equivalent to
    the ledger's (lock the account row, insert the entry, update the balance,
    commit), by hand. bench/single_invites.py measures against it too."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT balance FROM credits_creditaccount WHERE id = %s FOR UPDATE", [account_id]
        )
        row = cursor.fetchone()
        assert row is not None
        (balance,) = row
        if balance < 1:
            raise RuntimeError("the baseline account ran dry")
        cursor.execute(
            "INSERT INTO credits_creditentry (account_id, organization_id, kind,"
            " amount, balance_after, reason, idempotency_key, memo, created_at)"
            " VALUES (%s, %s, 'invite', -1, %s, 'invite_generation', %s, '', now())",
            [account_id, organization_id, balance - 1, key],
        )
        cursor.execute(
            "UPDATE credits_creditaccount SET balance = %s, updated_at = now() WHERE id = %s",
            [balance - 1, account_id],
        )
    conn.commit()


def main() -> None:
    url, server = scratch_url()
    admin_execute(server, f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
    admin_execute(server, f"CREATE DATABASE {SCRATCH_DB}")
    if SYNCHRONOUS_COMMIT != "on":
        # Takes the disk flush out of each commit, leaving the cost of the
        # code itself: a stricter comparison on a machine whose disk is busy.
        admin_execute(
            server, f"ALTER DATABASE {SCRATCH_DB} SET synchronous_commit = {SYNCHRONOUS_COMMIT}"
        )
    try:
        bench(url, server)
    finally:
        from django.db import connections

        connections.close_all()
        admin_execute(server, f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")


def bench(url: str, server: dict) -> None:
    os.environ["DATABASE_URL"] = url
    # Production settings: with DEBUG on, Django also records every query.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(24).hex())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from credits import ledger
    from credits.models import CreditAccount, CreditEntry, CreditKind
    from organizations.models import Organization

    if DJANGO_PREPARED:
        from django.db import connections

        # What enabling prepared statements in settings.DATABASES would do.
        connections["default"].settings_dict["OPTIONS"].update(
            server_side_binding=True, prepare_threshold=5
        )
    call_command("migrate", verbosity=0)

    def hot_organization(slug: str) -> Organization:
        organization = Organization.objects.create(name=slug, slug=slug)
        ledger.grant_now(
            organization,
            CreditKind.INVITE,
            10_000_000,
            reason=CreditEntry.Reason.ADJUSTMENT,
            idempotency_key=f"bench-grant:{slug}",
        )
        return organization

    through_ledger = hot_organization("bench-ledger")
    by_hand = hot_organization("bench-raw")
    raw_account_id = CreditAccount.objects.get(organization=by_hand, kind=CreditKind.INVITE).pk
    connection.close()
    round_number = [0]

    def ledger_work(number: int, stop: Any) -> int:
        done = 0
        prefix = f"bench:{round_number[0]}:{number}:"
        try:
            while not stop.is_set():
                with transaction.atomic(durable=True):
                    ledger.consume(
                        through_ledger,
                        CreditKind.INVITE,
                        1,
                        reason=CreditEntry.Reason.INVITE_GENERATION,
                        idempotency_key=f"{prefix}{done}",
                    )
                done += 1
        finally:
            connection.close()
        return done

    def raw_work(number: int, stop: Any, *, prepared: bool) -> int:
        done = 0
        prefix = f"raw:{round_number[0]}:{prepared}:{number}:"
        # prepare_threshold=None is what Django sets on its connections (no
        # server-side prepared statements); psycopg's own default prepares a
        # statement from its fifth execution, skipping parse and plan.
        threshold = 5 if prepared else None
        with psycopg.connect(dbname=SCRATCH_DB, prepare_threshold=threshold, **server) as conn:
            while not stop.is_set():
                raw_consume(conn, raw_account_id, by_hand.pk, f"{prefix}{done}")
                done += 1
        return done

    contenders: dict[str, Callable[[int, Any], int]] = {
        "ledger": ledger_work,
        "raw": functools.partial(raw_work, prepared=False),
        "raw prepared": functools.partial(raw_work, prepared=True),
    }
    # Warm up every path (imports, caches, the server's buffers) before timing.
    round_number[0] = -1
    for work in contenders.values():
        run_workers(work, seconds=0.5)

    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for number in range(ROUNDS):
        round_number[0] = number
        for name, work in contenders.items():
            rates[name].append(run_workers(work))
        print(
            f"  round {number + 1}: "
            + "   ".join(f"{name} {values[-1]:6.0f}/s" for name, values in rates.items()),
            flush=True,
        )

    median = {name: statistics.median(values) for name, values in rates.items()}
    kind = "threads" if MODE == "thread" else "processes"
    print(
        f"workers: {WORKERS} {kind}, one hot account, {ROUNDS} x {SECONDS_PER_ROUND:g}s rounds,"
        f" synchronous_commit={SYNCHRONOUS_COMMIT}, ledger prepared statements:"
        f" {'on' if DJANGO_PREPARED else 'off'}; medians:"
    )
    labels = {
        "ledger": "ledger (credits/ledger.py through Django)",
        "raw": "raw SQL, connection set up as Django does",
        "raw prepared": "raw SQL, server-side prepared statements",
    }
    for name, label in labels.items():
        print(f"{label:44s} {median[name]:7.0f} consumptions/s")
    print(
        f"ratio ledger/raw:          {median['ledger'] / median['raw']:5.2f}"
        f"  (target >= {TARGET_RATIO})"
    )
    print(f"ratio ledger/raw prepared: {median['ledger'] / median['raw prepared']:5.2f}")

    # The figures only count if the ledger is still right after the storm.
    call_command("check_ledger", stdout=sys.stdout)
    connection.close()


if __name__ == "__main__":
    main()
