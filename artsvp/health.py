"""Is each dependency reachable? For `/healthz/`, which load balancers probe often.

Every check is quick: the cache and the broker are asked with sub-second
timeouts, and a check never raises. Only the database is essential; without
the cache (rate limits fall back to this process, artsvp/cache.py) or the
broker (emails wait in the outbox for the sweeper) the product is degraded,
not down.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.core.cache import caches
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

OK, DOWN = "ok", "down"

BROKER_TIMEOUT = 0.5


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return DOWN
    return OK


def cache() -> str:
    backend = caches["default"]
    ping = getattr(backend, "ping", None)
    if ping is None:
        return OK  # a local-memory cache is as reachable as this process
    try:
        ping()
    except Exception:
        return DOWN
    return OK


def broker() -> str:
    # current_app is the project's Celery app (config/celery.py), reached
    # without importing the wiring from this bottom layer.
    try:
        with current_app.connection_for_write(
            connect_timeout=BROKER_TIMEOUT,
            transport_options={
                "socket_connect_timeout": BROKER_TIMEOUT,
                "socket_timeout": BROKER_TIMEOUT,
            },
        ) as conn:
            # One attempt: kombu's default is to retry forever.
            conn.ensure_connection(max_retries=0)
    except Exception:
        return DOWN
    return OK


def report() -> dict[str, str]:
    """{"status": "ok" | "degraded" | "down", "database": ..., "cache": ..., "broker": ...}"""
    checks = {"database": database(), "cache": cache(), "broker": broker()}
    if checks["database"] == DOWN:
        status = DOWN
    elif DOWN in checks.values():
        status = "degraded"
    else:
        status = OK
    return {"status": status, **checks}
