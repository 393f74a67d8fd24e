"""What the gunicorn benchmarks share: a scratch database, Django set up on it,
gunicorn started as the Procfile starts it, and concurrent clients.

Not a benchmark itself (`make bench` skips files starting with `_`). The
scripts import it as `bench._serving` after putting the project folder on
`sys.path`.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import secrets
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
SYNCHRONOUS_COMMIT = "off" if os.environ.get("BENCH_SYNCHRONOUS_COMMIT") == "off" else "on"


def default_workers() -> int:
    """The workers gunicorn.conf.py starts (WEB_CONCURRENCY, else 2 x cores + 1)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return int(os.environ.get("WEB_CONCURRENCY") or 2 * max(cores or 1, 1) + 1)


WEB_WORKERS = default_workers()


# --- The scratch database ------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def admin_execute(url: str, sql: str) -> None:
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(sql)


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    return url


@contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A new database `name` on DATABASE_URL's server, dropped at the end; yields its URL."""
    url = server_url()
    admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_execute(url, f'CREATE DATABASE "{name}"')
    if SYNCHRONOUS_COMMIT != "on":
        admin_execute(url, f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield with_database(url, name)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(database_url: str) -> None:
    """Django in this process on `database_url`, with production settings, migrated."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_hex(16))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if str(ROOT) not in sys.path[:1]:
        sys.path.insert(0, str(ROOT))
    import django

    # Production settings look for collected static files, which nothing here serves.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def analyze() -> None:
    """Planner statistics, as autovacuum keeps them on a live database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


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
def gunicorn(database_url: str, *, extra_env: dict[str, str] | None = None) -> Iterator[int]:
    """gunicorn with the Procfile's command and gunicorn.conf.py (its default
    workers unless WEB_CONCURRENCY says otherwise), production settings; yields its port."""
    if "django" in sys.modules:
        from django.db import connections

        # The clients fork from this process: they must not share its connection.
        connections.close_all()
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="artsvp-bench-"))
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
        **(extra_env or {}),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    output = folder / "gunicorn.log"
    command = [
        *_procfile_command(),
        f"--bind=127.0.0.1:{port}",
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
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


# TLS ends at the proxy in production (SECURE_PROXY_SSL_HEADER).
BASE_HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}


def healthz() -> Request:
    return Request("GET", "/healthz/", {"Host": "127.0.0.1"})


def send(port: int, request: Request) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
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
    # Seconds per request, every request of every client.
    latencies: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


def measure(
    port: int,
    concurrency: int,
    requests: Callable[[int], Iterator[Request]],
    *,
    seconds: float = SECONDS,
) -> Result:
    """`concurrency` client processes, released together, for `seconds`; client `n`
    sends `requests(n)` one after the other (when they run out, it stops)."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(concurrency + 1)
    stop = context.Event()
    results = context.Queue()

    def client(number: int) -> None:
        own = requests(number)
        statuses: dict[int, int] = {}
        latencies: list[float] = []
        ran_out = False
        barrier.wait()
        while not stop.is_set():
            request = next(own, None)
            if request is None:
                ran_out = True
                break
            started = time.perf_counter()
            status, _body = send(port, request)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
        results.put((statuses, ran_out, latencies))

    workers = [context.Process(target=client, args=(n,)) for n in range(concurrency)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    collected = [results.get(timeout=120) for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    for own, _ran_out, own_latencies in collected:
        latencies.extend(own_latencies)
        for status, count in own.items():
            statuses[status] = statuses.get(status, 0) + count
    total = sum(statuses.values())
    return Result(
        rate=total / elapsed,
        requests=total,
        statuses=statuses,
        ran_out=any(ran_out for _own, ran_out, _latencies in collected),
        latencies=latencies,
    )
