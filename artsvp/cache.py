"""The production cache: Redis, with a per-process fallback while Redis is down.

Everything that uses Django's cache (our rate limits in `artsvp.ratelimit`,
allauth's login and email rate limits) goes through `FallbackRedisCache`. When
Redis refuses, times out or drops the connection, the call is answered by a
local-memory cache of this process instead of raising, and a warning is
logged once per outage. For `RETRY_AFTER` seconds after a failure the process
does not try Redis at all, so a dead Redis costs one short timeout per process
every few seconds rather than one per request; then the next call tries Redis
again, and the first success logs that Redis is back.

What degrades: during an outage each process counts on its own, so a rate
limit of N per window allows up to N per process (a few times N in total),
and counts start again from what Redis held when it returns. The limits stay
bounded, which is what they are for; pages keep working.

`ping()` asks Redis directly (no fallback), for the health check.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What an unreachable Redis raises (refused, reset, timed out, still loading).
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError)

# Seconds without trying Redis after it failed.
DEFAULT_RETRY_AFTER = 5.0


class _Outage:
    """Per process and per Redis location: is it down, and until when do we not try?

    Django gives each thread its own cache object, so the state lives here,
    shared by the threads of a process.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0

    def skip_redis(self) -> bool:
        return self.down and time.monotonic() < self.retry_at

    def failed(self, location: str, retry_after: float, exc: BaseException) -> None:
        with self.lock:
            first = not self.down
            self.down = True
            self.retry_at = time.monotonic() + retry_after
        if first:
            logger.warning(
                "The Redis cache at %s is unreachable (%s: %s); this process uses its own "
                "local-memory cache until it is back, so rate limits count per process.",
                location,
                type(exc).__name__,
                exc,
            )

    def succeeded(self, location: str) -> bool:
        """Record a success; True when it ends an outage (once per outage)."""
        if not self.down:
            return False
        with self.lock:
            was_down, self.down = self.down, False
        if was_down:
            logger.warning("The Redis cache at %s is reachable again.", location)
        return was_down


def count_in(cache: BaseCache, key: str, timeout: int) -> int:
    """`FallbackRedisCache.count` on any cache: add() creates the counter (atomic:
    only the first request of a window does), incr() counts; three round trips on
    a remote cache, none on local memory."""
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:
        # The counter expired between add() and incr(); start a fresh one.
        cache.set(key, 1, timeout=timeout)
        return 1


def _count_in(key: str, timeout: int, *, cache: BaseCache) -> int:
    return count_in(cache, key, timeout)


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


class FallbackRedisCache(RedisCache):
    """Django's RedisCache that answers from local memory while Redis is unreachable.

    Settings (besides RedisCache's): `RETRY_AFTER` (seconds, default 5). Put
    short `socket_connect_timeout` and `socket_timeout` in OPTIONS, so that
    finding Redis dead costs milliseconds.
    """

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        # RedisCache sets _servers and _cache itself; django-stubs does not declare them.
        self._location = ",".join(self._servers)  # type: ignore[attr-defined]  # RedisCache's private server list, not in the stubs
        self._retry_after = float(params.get("RETRY_AFTER", DEFAULT_RETRY_AFTER))
        self._outage = _outage_for(self._location)
        # LocMemCache keeps its data per name, module-wide: every thread of
        # this process shares one fallback. Same prefix, version and timeout
        # as the Redis cache, so keys and expiry behave the same.
        self._fallback = LocMemCache(
            f"artsvp-fallback:{self._location}",
            {
                key: params[key]
                for key in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION")
                if key in params
            }
            | {"OPTIONS": {"MAX_ENTRIES": 10_000}},
        )

    @property
    def is_degraded(self) -> bool:
        """Whether this process is serving from its fallback right now."""
        return self._outage.down

    def ping(self) -> bool:
        """Ask Redis itself; raises what an unreachable Redis raises."""
        return bool(self._cache.get_client(write=True).ping())  # type: ignore[attr-defined]  # django-redis-style client method the stubs do not declare

    def _guarded(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self._either(getattr(super(), name), getattr(self._fallback, name), *args, **kwargs)

    def _either(
        self,
        redis_call: Callable[..., Any],
        fallback: Callable[..., Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if self._outage.skip_redis():
            return fallback(*args, **kwargs)
        try:
            result = redis_call(*args, **kwargs)
        except OUTAGE_ERRORS as exc:
            self._outage.failed(self._location, self._retry_after, exc)
            return fallback(*args, **kwargs)
        if self._outage.succeeded(self._location):
            # What the fallback counted is forgotten: Redis is the truth again,
            # and the next outage starts from an empty fallback.
            self._fallback.clear()
        return result

    def count(self, key: str, *, timeout: int) -> int:
        """Add one to the counter `key` and answer its new value, in one round trip:
        a counter that does not exist starts at 0 and expires `timeout` seconds after
        it was created (later counts do not push that back). For fixed-window rate
        limits (artsvp/ratelimit.py); while Redis is down, the fallback counts."""
        return int(self._either(self._redis_count, _count_in, key, timeout, cache=self._fallback))

    def _redis_count(self, key: str, timeout: int, *, cache: BaseCache) -> int:
        redis_key = self.make_and_validate_key(key)
        client = self._cache.get_client(redis_key, write=True)  # type: ignore[attr-defined]  # RedisCache's client, untyped in the stubs
        # MULTI/EXEC: both or neither, and no other client's command in between. The 0
        # is stored as RedisSerializer stores an int, so get() reads the count.
        pipeline = client.pipeline(transaction=True)
        pipeline.set(redis_key, 0, ex=timeout, nx=True)
        pipeline.incr(redis_key)
        _created, count = pipeline.execute()
        return int(count)

    # The primitives BaseCache builds everything else on (get_or_set, decr,
    # incr_version, the async variants).

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        return self._guarded("clear")
