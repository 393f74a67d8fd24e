"""What every page reached through a secret link shares.

Portal links (`/p/<token>/`), invite links (`/i/<token>/`) and the pages a
signed-in portal owner sees (which list invite links) are bearer secrets:
the browser must not cache them or pass them on as a Referer, search engines
must not index them, and lookups are rate limited so tokens cannot be
guessed by brute force (each has 192 bits; the limit is against scanners).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import select_template
from django.utils.cache import add_never_cache_headers

from artsvp.ratelimit import client_ip, hit

# Lookups of a secret link, per client address.
LINK_LOOKUPS_PER_MINUTE = 60


def secret_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        mark_secret(response)
        return response

    return wrapper


def mark_secret(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def throttle(
    request: HttpRequest, scope: str, *, limit: int, window: int, key: str = ""
) -> HttpResponse | None:
    """Count one request in `scope` for this client; a 429 page once over `limit`."""
    result = hit(f"{scope}:{key or client_ip(request)}", limit=limit, window=window)
    if result.allowed:
        return None
    return too_many_requests(request, retry_after=result.reset_in)


def throttle_link_lookup(request: HttpRequest, scope: str) -> HttpResponse | None:
    return throttle(request, scope, limit=LINK_LOOKUPS_PER_MINUTE, window=60)


def too_many_requests(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    template = select_template(["429.html", "invites/rate_limited.html"])
    minutes = max(1, (retry_after + 59) // 60)
    response = HttpResponse(
        template.render({"retry_after": retry_after, "retry_minutes": minutes}, request),
        status=429,
    )
    response["Retry-After"] = str(max(1, retry_after))
    return mark_secret(response)
