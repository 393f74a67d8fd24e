"""Fixed-window rate limits on the shared cache (Redis in production).

`hit(key, limit=, window=)` counts one request and says whether it is
allowed, how many remain and when the window resets. Used for secret-link
lookups, one-time codes and API keys.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class RateLimit:
    allowed: bool
    limit: int
    remaining: int
    reset_in: int  # seconds until the window resets


def hit(key: str, *, limit: int, window: int) -> RateLimit:
    now = int(time.time())
    window_start = now - now % window
    cache_key = f"rl:{key}:{window_start}"
    # add() is atomic: only the first request of a window creates the counter.
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The counter expired between add() and incr(); start a fresh one.
        cache.set(cache_key, 1, timeout=window + 5)
        count = 1
    return RateLimit(
        allowed=count <= limit,
        limit=limit,
        remaining=max(0, limit - count),
        reset_in=window_start + window - now,
    )


def client_ip(request) -> str:  # type: ignore[no-untyped-def]
    """The client's address; behind a proxy, the first X-Forwarded-For hop."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")
