"""Fixed-window rate limits on the shared cache (Redis in production).

`hit(key, limit=, window=)` counts one request and says whether it is
allowed, how many remain and when the window resets. Used for secret-link
lookups, one-time codes and API keys.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from artsvp.cache import FallbackRedisCache, count_in


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
    # The production cache counts in one round trip; any other counts in three.
    if isinstance(cache_backend := caches["default"], FallbackRedisCache):
        count = cache_backend.count(cache_key, timeout=window + 5)
    else:
        count = count_in(cache_backend, cache_key, window + 5)
    return RateLimit(
        allowed=count <= limit,
        limit=limit,
        remaining=max(0, limit - count),
        reset_in=window_start + window - now,
    )


def client_ip(request: HttpRequest) -> str:
    """The client's address, as far as we can trust it.

    X-Forwarded-For is written by whoever sends the request, so a client could
    name a new address on every request and never hit a per-address limit.
    It is read only behind TRUSTED_PROXY_HOPS proxies of our own, and then
    only the address our outermost proxy appended.
    """
    hops = settings.TRUSTED_PROXY_HOPS
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "unknown")
