"""How fast one Celery worker empties the outbox, next to rendering and sending in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python bench/outbox.py [--profile]

Creates a scratch database (`artsvp_bench_outbox`) on the server DATABASE_URL
points at, migrates it, and drops it at the end. REDIS_URL is the broker (the
script purges its queue before and after). An SMTP sink runs in a process of
its own on 127.0.0.1 (a small socket server that speaks enough SMTP for
Django's backend and accepts every message): the email provider's hop, over
a real socket, without leaving the machine. It measures, each round on a
fresh claimed portal of SIZE invites:

- the outbox: the portal's SIZE invite emails queued through the path the
  owner's "email every unsent invite" page uses
  (`invites.sending.queue_invite_emails`), then sent by ONE real worker
  (`celery -A config worker --concurrency=1`, prefork, production settings,
  Django's SMTP backend pointed at the sink). Emails per second from the
  commit of the send to the last row recorded `sent`, and the time from that
  commit to the first row recorded `sent` (and to the sink's first message);
- the floor: the same SIZE rows rendered (through the same context builder
  and templates) and handed to the same SMTP backend over one connection, in
  a plain loop in this process: no outbox, no worker, no broker;
- the small path: SINGLES single invite emails after each round, each
  queued on its own; milliseconds from its commit to its row `sent`.

It prints both, `ratio outbox/floor` (target 0.40) and `first email after`
(target under 1 s), median of ROUNDS rounds. The machine is shared: compare
runs made within minutes of each other, and run nothing else on REDIS_URL's
database meanwhile (a test run's cache.clear() empties it, broker queue
included). `--profile` runs one more round with the worker's main process
under cProfile (`--pool=solo`, so the tasks run in it; the solo pool enforces
no time limit, which a benchmark does not need) and prints the top of it;
BENCH_ROUNDS=0 with `--profile` runs only that round.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import signal
import socket
import socketserver
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse, urlunparse

from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

if TYPE_CHECKING:  # Django is set up at run time, below.
    from multiprocessing.sharedctypes import Synchronized

    from portals.models import Portal

ROOT = Path(__file__).resolve().parent.parent
# Another name when several checkouts bench on one server at once.
SCRATCH_DB = os.environ.get("BENCH_SCRATCH_DB", "artsvp_bench_outbox")
SIZE = int(os.environ.get("BENCH_OUTBOX_SIZE", "2000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
TARGET_RATIO = 0.40
TARGET_FIRST_SECONDS = 1.0
# Single emails (the small path: a portal link, a confirmation) timed after each round.
SINGLES = 10
SEND_TIMEOUT = 600
WORKER_START_TIMEOUT = 60
PROFILE_PATH = Path("/tmp") / f"outbox-worker-{os.getpid()}.prof"


class SinkBackend(SMTPBackend):
    """Django's SMTP backend, pointed at the bench's sink (the worker imports it by name)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("host", "127.0.0.1")
        kwargs.setdefault("port", int(os.environ["BENCH_SMTP_PORT"]))
        kwargs.setdefault("use_tls", False)
        kwargs.setdefault("use_ssl", False)
        super().__init__(**kwargs)


# --- The SMTP sink ---------------------------------------------------------------------------


def run_sink(port: int, count: Synchronized[int], first: Synchronized[float]) -> None:
    """Accept every message; count them and note when the first arrived (time.time())."""

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self) -> None:
            self.reply("220 sink ESMTP")
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb == b"EHLO":
                    self.wfile.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                elif verb == b"DATA":
                    self.reply("354 go ahead")
                    while self.rfile.readline() not in (b".\r\n", b".\n", b""):
                        pass
                    with count.get_lock():
                        if count.value == 0:
                            first.value = time.time()
                        count.value += 1
                    self.reply("250 queued")
                elif verb == b"QUIT":
                    self.reply("221 bye")
                    return
                else:  # HELO, MAIL, RCPT, RSET, NOOP
                    self.reply("250 ok")

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True

    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- The world -------------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(sql)


def production_env(database_url: str, smtp_port: int) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"  # production settings: no per-query logging in memory
    os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_hex(16))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["EMAIL_BACKEND"] = "bench.outbox.SinkBackend"
    os.environ["BENCH_SMTP_PORT"] = str(smtp_port)


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_portal(label: str, size: int) -> Portal:
    """A claimed portal with `size` invites never emailed (as a claim and a batch leave it)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from events.models import Event
    from invites.models import Invite, InviteBatch
    from organizations.services import create_organization
    from portals.services import GroupSettings, create_group, create_portal

    user = get_user_model().objects.create_user(username=label, email=f"{label}@example.com")
    organization = create_organization(f"Fair {label}", owner=user)
    starts = timezone.now() + timedelta(days=30)
    event = Event.objects.create(
        organization=organization,
        slug=f"fair-{label}",
        name=f"Fair {label}",
        starts_at=starts,
        ends_at=starts + timedelta(days=2),
    )
    group = create_group(event, settings=GroupSettings(name="Exhibitors"))
    portal = create_portal(group, name=f"Gallery {label}", allocation=size)
    portal.status = portal.Status.ASSIGNED
    portal.owner_email = f"owner-{label}@example.com"
    portal.assigned_at = timezone.now()
    portal.save()
    batch = InviteBatch.objects.create(
        organization=organization,
        event=event,
        portal=portal,
        method=InviteBatch.Method.PASTE,
        size=size,
    )
    Invite.objects.bulk_create(
        (
            Invite(
                organization=organization,
                event=event,
                batch=batch,
                portal=portal,
                guest_name=f"Guest {n}",
                guest_email=f"guest{n}.{label}@example.com",
            )
            for n in range(size)
        ),
        batch_size=2000,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them
    return portal


# --- The worker ------------------------------------------------------------------------------


class Worker:
    def __init__(self, *, profile: bool = False) -> None:
        self.log = Path("/tmp") / f"outbox-bench-worker-{os.getpid()}.log"
        celery = ["-m", "celery", "-A", "config", "worker"]
        if profile:
            command = [sys.executable, "-m", "cProfile", "-o", str(PROFILE_PATH), *celery]
            command += ["--pool=solo"]
        else:
            command = [sys.executable, *celery, "--pool=prefork", "--concurrency=1"]
        command += [
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            "-n",
            f"bench-outbox-{os.getpid()}@%h",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=dict(os.environ),
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while b" ready." not in self.log.read_bytes():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                sys.exit(f"The worker did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            # A warm shutdown (cProfile writes its file on the way out), then a kill.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


# --- Measuring -------------------------------------------------------------------------------


def outbox_round(
    portal: Portal, size: int, sink_count: Any, sink_first: Any
) -> tuple[str, dict[str, float]]:
    """Queue the portal's invite emails as the owner's send does; wait until all are sent."""
    from django.db import transaction
    from django.db.models import Max, Min

    from deliveries.models import Delivery
    from invites.models import Invite
    from invites.sending import queue_invite_emails

    with sink_count.get_lock():
        sink_count.value = 0
    committed: list[float] = []
    with transaction.atomic(durable=True):
        # Registered first, so it runs right after the commit, before the publishing.
        transaction.on_commit(lambda: committed.append(time.time()))
        queued = queue_invite_emails(
            Invite.objects.filter(portal=portal),
            subject="You're invited to {{ event }}",
            message="Hello {{ name }},\n\n{{ portal }} invites you.",
            unsent_only=True,
        )
    published = time.time()
    rows = Delivery.objects.filter(send_id=queued.send_id)
    assert rows.count() == size
    deadline = time.monotonic() + SEND_TIMEOUT
    while rows.exclude(status=Delivery.Status.SENT).exists():
        if time.monotonic() > deadline:
            sys.exit(f"Not all sent after {SEND_TIMEOUT} s")
        time.sleep(0.1)
    times = rows.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    start = committed[0]
    assert sink_count.value >= size, sink_count.value
    return queued.send_id, {
        "rate": size / (times["last"].timestamp() - start),
        "first_sent": times["first"].timestamp() - start,
        "first_at_sink": sink_first.value - start,
        "publish": published - start,
    }


def single_email(portal: Portal, n: int) -> float:
    """The small path: one invite email queued on its own; seconds from commit to `sent`."""
    from django.db import transaction

    from deliveries.models import Delivery
    from invites.models import Invite
    from invites.sending import queue_invite_emails

    batch = Invite.objects.filter(portal=portal).values_list("batch_id", flat=True).first()
    assert batch is not None
    invite = Invite.objects.create(
        organization_id=portal.organization_id,
        event_id=portal.group.event_id,
        batch_id=batch,
        portal=portal,
        guest_name=f"Single {n}",
        guest_email=f"single{n}@example.com",
    )
    committed: list[float] = []
    with transaction.atomic(durable=True):
        transaction.on_commit(lambda: committed.append(time.time()))
        [delivery] = queue_invite_emails([invite], subject="Hi {{ name }}", message="")
    row = Delivery.objects.filter(pk=delivery.pk)
    deadline = time.monotonic() + 30
    while not row.filter(status=Delivery.Status.SENT).exists():
        if time.monotonic() > deadline:
            sys.exit("A single email was not sent within 30 s")
        time.sleep(0.005)
    sent_at = row.values_list("sent_at", flat=True).get()
    return sent_at.timestamp() - committed[0]


def floor_round(send_id: str, size: int, sink_count: Any) -> float:
    """The same rows rendered and sent in a plain loop over one SMTP connection: emails/s."""
    from django.core.mail import get_connection

    from deliveries.channels import get_channel
    from deliveries.models import Delivery

    deliveries = list(Delivery.objects.filter(send_id=send_id).order_by("pk"))
    assert len(deliveries) == size
    with sink_count.get_lock():
        sink_count.value = 0
    started = time.perf_counter()
    connection = get_connection()
    connection.open()
    try:
        for delivery in deliveries:
            message = get_channel(delivery.channel).build(delivery)
            connection.send_messages([message])
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    assert sink_count.value == size, sink_count.value
    return size / elapsed


def print_profile() -> None:
    import pstats

    # The worker's own frames (its event loop, kombu) hide the work: show the tasks' side.
    ours = r"(deliveries|invites|artsvp|smtplib|psycopg/connection|celery/(app/trace|fixups))"
    print(f"\nProfile of the worker's process over one round ({PROFILE_PATH}), cumulative:")
    pstats.Stats(str(PROFILE_PATH)).sort_stats("cumulative").print_stats(ours, 20)
    print("(own time):")
    pstats.Stats(str(PROFILE_PATH)).sort_stats("tottime").print_stats(15)


def purge_broker() -> None:
    from config.celery import app

    app.control.purge()


def bench(sink_count: Any, sink_first: Any) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {
        "rate": [],
        "first_sent": [],
        "first_at_sink": [],
        "publish": [],
        "floor": [],
        "single": [],
    }
    purge_broker()
    worker = Worker()
    try:
        # Warm up: imports, templates, the worker's first connection.
        send_id, _ = outbox_round(make_portal("warm", 50), 50, sink_count, sink_first)
        floor_round(send_id, 50, sink_count)
        for n in range(ROUNDS):
            portal = make_portal(f"round{n}", SIZE)
            send_id, figures = outbox_round(portal, SIZE, sink_count, sink_first)
            for name, value in figures.items():
                results[name].append(value)
            results["floor"].append(floor_round(send_id, SIZE, sink_count))
            results["single"] += [single_email(portal, n * 100 + k) for k in range(SINGLES)]
            print(
                f"  round {n + 1}: outbox {results['rate'][-1]:6.1f}/s, "
                f"floor {results['floor'][-1]:6.1f}/s, "
                f"first sent {results['first_sent'][-1]:.2f} s",
                flush=True,
            )
    finally:
        worker.stop()
    if "--profile" in sys.argv:
        worker = Worker(profile=True)
        try:
            outbox_round(make_portal("profiled", SIZE), SIZE, sink_count, sink_first)
        finally:
            worker.stop()
        print_profile()
    purge_broker()
    return results


def main() -> None:
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL to a Redis database the worker can use as its broker.")
    # A kill runs the clean-up below (the worker, the sink, the scratch database).
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit("Stopped."))
    port = spare_port()
    spawn = multiprocessing.get_context("spawn")
    sink_count = spawn.Value("i", 0)
    sink_first = spawn.Value("d", 0.0)
    sink = spawn.Process(target=run_sink, args=(port, sink_count, sink_first), daemon=True)
    sink.start()
    _admin(server_url, f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
    _admin(server_url, f'CREATE DATABASE "{SCRATCH_DB}"')
    try:
        production_env(_with_database(server_url, SCRATCH_DB), port)
        setup_django()
        results = bench(sink_count, sink_first)
    finally:
        from django.db import connections

        connections.close_all()
        _admin(server_url, f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
        sink.terminate()

    if not ROUNDS:
        return
    rate = statistics.median(results["rate"])
    floor = statistics.median(results["floor"])
    first = statistics.median(results["first_sent"])
    print(
        f"The outbox, {SIZE:,} invite emails, one worker (concurrency 1), SMTP to a local sink "
        f"(median of {ROUNDS} rounds; PostgreSQL, Redis, production settings; shared machine):"
    )
    print(f"  outbox        {rate:8.1f} emails/s (commit of the send to the last row sent)")
    print(f"  floor         {floor:8.1f} emails/s (render + send in one process, one connection)")
    print(f"  publishing    {statistics.median(results['publish']):8.2f} s after the commit")
    print(f"  first at sink {statistics.median(results['first_at_sink']):8.2f} s after the commit")
    single = statistics.median(results["single"]) * 1000
    print(f"  one email     {single:8.1f} ms from its commit to `sent` (median of {SINGLES}/round)")
    print(f"ratio outbox/floor {rate / floor:.2f} (target {TARGET_RATIO:.2f})")
    print(f"first email after {first:.2f} s (target < {TARGET_FIRST_SECONDS:.0f} s)")


if __name__ == "__main__":
    main()
