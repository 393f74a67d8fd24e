"""What every page reached through a secret link shares.

Portal links (`/p/<token>/`) and invite links (`/i/<token>/`) are bearer
secrets: the browser must not cache them or pass the URL on as a Referer,
search engines must not index them, and lookups are rate limited (each token
has 192 bits; the limit is against scanners). Pages that list secret links
without one in their own URL (the portal owner's dashboard, the guest list)
are only kept out of caches and indexes.

A page sent with `Referrer-Policy: no-referrer` makes browsers submit its
forms with `Origin: null` and no Referer, which Django's CSRF check reads as
cross-site. `secret_link_page` therefore checks CSRF itself: the token (the
cookie and the form field) is still required, only the origin comparison
accepts "null". The URL's own secret is a second factor a forger lacks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.template.loader import select_template
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.csrf import csrf_exempt

from artsvp.ratelimit import client_ip, hit

# Lookups of a secret link, per client address.
LINK_LOOKUPS_PER_MINUTE = 60


class _NoReferrerCsrf(CsrfViewMiddleware):
    # Two private hooks of Django's CsrfViewMiddleware (stable since 4.0), which
    # django-stubs does not declare.
    def _origin_verified(self, request: HttpRequest) -> bool:
        return request.META.get("HTTP_ORIGIN") == "null" or super()._origin_verified(request)  # type: ignore[misc]  # a private method of Django's CSRF middleware, untyped in the stubs

    def _check_referer(self, request: HttpRequest) -> None:
        if request.META.get("HTTP_REFERER"):
            super()._check_referer(request)  # type: ignore[misc]  # a private method of Django's CSRF middleware, untyped in the stubs


_no_referrer_csrf = decorator_from_middleware(_NoReferrerCsrf)


# Any response: a page, a file download (StreamingHttpResponse).
R = TypeVar("R", bound=HttpResponseBase)


def secret_link_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page whose URL holds a secret token: private, no Referer, CSRF by token."""
    # decorator_from_middleware's stub answers "a response or a view"; it is the view.
    protected = cast(Callable[..., HttpResponse], _no_referrer_csrf(view))

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return mark_secret(protected(request, *args, **kwargs))

    return wrapper


def private_page(view: Callable[..., R]) -> Callable[..., R]:
    """A page that lists secret links: never cached or indexed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R:
        return mark_private(view(request, *args, **kwargs))

    return wrapper


def mark_private(response: R) -> R:
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def mark_secret(response: R) -> R:
    mark_private(response)
    response["Referrer-Policy"] = "no-referrer"
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
