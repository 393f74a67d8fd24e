"""Ledger throughput on one hot account, against a raw-SQL baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/artsvp .venv/bin/python bench/ledger.py

Prints consumptions per second of one credit from one account with 8
concurrent workers (threads, one connection each, one transaction per
consumption) through `credits/ledger.py`, then the same through a baseline
doing the least equivalent work by hand (lock the account row, insert the
entry, update the balance, commit), and their ratio. Target: >= 0.7.

Every consumption of one account serialises on that account's row lock, so
both figures measure how long the lock is held; the ratio is the ledger's
overhead inside that critical section.

It never touches the database named in DATABASE_URL: it creates a scratch
database (`artsvp_bench`) on the same server, migrates it, and drops it at
the end. Rounds alternate ledger and baseline and the median is reported,
because the machine is shared and single rounds are noisy.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORKERS = 8
SECONDS_PER_ROUND = float(os.environ.get("BENCH_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
MODE = os.environ.get("BENCH_MODE", "process")
SCRATCH_DB = "artsvp_bench"
TARGET_RATIO = 0.7


def scratch_url() -> tuple[str, dict]:
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
    scheme, _, rest = url.partition("://")
    base = rest.rsplit("/", 1)[0]
    return f"{scheme}://{base}/{SCRATCH_DB}", server


def admin_execute(server: dict, sql: str) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(sql)


def run_workers(work: Callable[[int, Any], int]) -> float:
    """Run `work(worker_number, stop)` in WORKERS workers; return operations per second.

    Workers are processes (forked, one database connection each), as in
    production where gunicorn and Celery run processes; BENCH_MODE=thread
    runs threads instead, which also measures contention on the GIL.
    """
    if MODE == "thread":
        barrier: Any = threading.Barrier(WORKERS + 1)
        stop: Any = threading.Event()
        counts: Any = [0] * WORKERS
        start = threading.Thread
    else:
        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(WORKERS + 1)
        stop = context.Event()
        counts = context.Array("q", WORKERS)
        start = context.Process  # type: ignore[assignment]

    def runner(number: int) -> None:
        barrier.wait()
        counts[number] = work(number, stop)

    workers = [start(target=runner, args=(n,)) for n in range(WORKERS)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(SECONDS_PER_ROUND)
    stop.set()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    return sum(counts) / elapsed


def main() -> None:
    url, server = scratch_url()
    admin_execute(server, f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
    admin_execute(server, f"CREATE DATABASE {SCRATCH_DB}")
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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "artsvp.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from credits import ledger
    from credits.models import CreditAccount, CreditEntry, CreditKind
    from organizations.models import Organization

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

    def raw_work(number: int, stop: Any) -> int:
        done = 0
        prefix = f"raw:{round_number[0]}:{number}:"
        with psycopg.connect(dbname=SCRATCH_DB, **server) as conn:
            while not stop.is_set():
                with conn.cursor() as cursor:
                    cursor.execute(
                        "SELECT balance FROM credits_creditaccount WHERE id = %s FOR UPDATE",
                        [raw_account_id],
                    )
                    (balance,) = cursor.fetchone()
                    if balance < 1:
                        raise RuntimeError("the baseline account ran dry")
                    cursor.execute(
                        "INSERT INTO credits_creditentry (account_id, organization_id, kind,"
                        " amount, balance_after, reason, idempotency_key, memo, created_at)"
                        " VALUES (%s, %s, 'invite', -1, %s, 'invite_generation', %s, '', now())",
                        [raw_account_id, by_hand.pk, balance - 1, f"{prefix}{done}"],
                    )
                    cursor.execute(
                        "UPDATE credits_creditaccount SET balance = %s, updated_at = now()"
                        " WHERE id = %s",
                        [balance - 1, raw_account_id],
                    )
                conn.commit()
                done += 1
        return done

    # Warm up both paths (connections, prepared plans, caches) before timing.
    global SECONDS_PER_ROUND
    timed, SECONDS_PER_ROUND = SECONDS_PER_ROUND, 0.5
    round_number[0] = -1
    run_workers(ledger_work)
    run_workers(raw_work)
    SECONDS_PER_ROUND = timed

    ledger_rates: list[float] = []
    raw_rates: list[float] = []
    for number in range(ROUNDS):
        round_number[0] = number
        ledger_rates.append(run_workers(ledger_work))
        raw_rates.append(run_workers(raw_work))
        print(
            f"  round {number + 1}: ledger {ledger_rates[-1]:8.0f}/s   raw {raw_rates[-1]:8.0f}/s",
            flush=True,
        )

    ledger_rate = statistics.median(ledger_rates)
    raw_rate = statistics.median(raw_rates)
    ratio = ledger_rate / raw_rate
    kind = "threads" if MODE == "thread" else "processes"
    print(f"workers: {WORKERS} {kind}, one hot account, {ROUNDS} x {SECONDS_PER_ROUND:g}s rounds")
    print(f"ledger (credits/ledger.py): {ledger_rate:8.0f} consumptions/s (median)")
    print(f"raw SQL baseline:           {raw_rate:8.0f} consumptions/s (median)")
    print(f"ratio ledger/raw:           {ratio:8.2f}  (target >= {TARGET_RATIO})")

    # The figures only count if the ledger is still right after the storm.
    call_command("check_ledger", stdout=sys.stdout)
    connection.close()


if __name__ == "__main__":
    main()
