"""The REST API: one NinjaAPI under /api/v1/, a router per app (each app's api.py).

Every error, ours or ninja's, is answered as `{"code", "message", "details"}`
(see artsvp/api_support.py); domain errors raised by the services are mapped
here, once, so the HTML views and the API refuse the same things.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError

from artsvp.api_support import FIELDS_INVALID, ApiError, RateLimited, with_rate_limit_headers
from credits.ledger import InsufficientCredits
from deliveries.services import DeliveryError
from door.checkins import DoorError
from events.services import EventError
from invites.services import InvalidGuests, InviteError
from organizations.api_auth import ApiKeyAuth
from portals.errors import PortalError

logger = logging.getLogger(__name__)

DESCRIPTION = """
Generate and use invites programmatically.

**Authentication.** Create a key in your organization's settings (Settings → API keys) and send
it in the `Authorization` header: `Authorization: Bearer ak_live_…`. Keys in URLs are refused.
The key decides the organization: ids of another organization's objects answer 404.

**Ids** are the public ids shown in the app (`id` fields), never database ids.

**Errors** are JSON `{"code", "message", "details"}` with a stable `code`: `unauthenticated` (401),
`insufficient_credits` (402, details: requested, available), `not_found` (404),
`key_scope` (403: a key limited to check-in, outside the check-in endpoints),
`allocation_exceeded` (409, details: requested, remaining), `portal_not_assigned` (409),
`portal_revoked` (409), `method_not_allowed` (405, with an `Allow` header), `payload_too_large`
(413), `invalid` (422, details.fields: field errors), `rate_limited` (429, with a `Retry-After`
header), `bad_request` (400: a body that is not JSON, or a control character in the URL or query).

**Keys limited to check-in** (for door devices and scanners: "Check-in only" when you create
the key) may call only `POST /events/{id}/check-ins`, `DELETE /check-ins/{id}` and
`GET /events/{id}/attendance`; everything else answers 403 `key_scope`. No API key is a door
supervisor: a guest who has not accepted, waits for approval or comes outside their entry
window is refused (409), never let in anyway; only staff on the door page can do that.

**Body size.** A request body may hold at most MAX_BODY_BYTES bytes (`API_MAX_BODY_BYTES`): enough
for the largest batch, 10,000 guests with every field at its maximum, sent as compact UTF-8 JSON
(no indentation, no `\\u` escapes). Larger bodies answer 413 `payload_too_large` and change
nothing.

**Rate limits** apply per key (by default 1,000 requests per 15 minutes). Every response carries
`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until the window
resets).

**Lists** are paginated by cursor: pass `limit` (1 to 200, default 50) and the `next_cursor` of the
previous page as `cursor`; `next_cursor` is null on the last page. Items come newest first, and
items created while you page never shift the pages you have not read yet.

**Idempotency.** Invite creation honours an `Idempotency-Key` header: a retry with the same key
and the same body returns the first response and uses no credit; the same key with a different
body answers 422 `idempotency_key_mismatch`. Keys are remembered for 24 hours, then released.
"""


def _json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a method no operation of a path takes with a plain-text 405;
    ours is the JSON error shape, keeping the `Allow` header."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        allowed = sorted(m.strip() for m in response.get("Allow", "").split(",") if m.strip())
        answer = error_response(
            request,
            405,
            "method_not_allowed",
            f"{request.method} is not allowed here; use {' or '.join(allowed) or 'nothing'}.",
            {"allowed": allowed},
        )
        answer["Allow"] = ", ".join(allowed)
        return answer

    return wrapper


class ArtsvpApi(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
        return patterns


api = ArtsvpApi(
    title="artsvp API",
    version="1",
    urls_namespace="api",
    description=DESCRIPTION.strip().replace("MAX_BODY_BYTES", f"{settings.API_MAX_BODY_BYTES:,}"),
    auth=ApiKeyAuth(),
)
api.add_decorator(with_rate_limit_headers, mode="view")


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(ApiError)
def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = error_response(request, exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    if exc.status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        request,
        401,
        "unauthenticated",
        "Send a valid, unrevoked API key as `Authorization: Bearer <key>`.",
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", str(exc) or "Not found.")


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # ninja prefixes the source ("body", "query", "path", "header") and, for a
    # body, the view's parameter name: neither means anything to a client.
    parts = list(loc)
    source = parts.pop(0) if parts else "body"
    if source == "body" and parts:
        parts.pop(0)
    return ".".join(str(part) for part in parts) or source


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(error.get("loc", ())), []).append(error.get("msg", ""))
    return error_response(request, 422, "invalid", FIELDS_INVALID, {"fields": fields})


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return error_response(request, 400, "bad_request", "The request body is not valid JSON.")
    return error_response(request, exc.status_code, "error", str(exc))


@api.exception_handler(InsufficientCredits)
def on_insufficient_credits(request: HttpRequest, exc: InsufficientCredits) -> HttpResponse:
    return error_response(
        request,
        402,
        "insufficient_credits",
        str(exc),
        {"kind": exc.kind, "requested": exc.requested, "available": exc.available},
    )


@api.exception_handler(InvalidGuests)
def on_invalid_guests(request: HttpRequest, exc: InvalidGuests) -> HttpResponse:
    return error_response(
        request, 422, "invalid", "Some guests are invalid.", {"fields": {"guests": exc.errors}}
    )


@api.exception_handler(PortalError)
def on_portal_error(request: HttpRequest, exc: PortalError) -> HttpResponse:
    """allocation_exceeded, allocation_below_used, portal_not_assigned, portal_revoked,
    duplicate_*_name...: each error (portals/errors.py) names its code, status and details."""
    return error_response(request, exc.status, exc.code, str(exc), exc.details)


@api.exception_handler(EventError)
def on_event_error(request: HttpRequest, exc: EventError) -> HttpResponse:
    """An event's or entry window's refusal, about one field (`exc.field`): a 422
    `invalid` like request validation, unless the error is a conflict of its own
    (duplicate_window_label, window_has_invites: 409) or a 422 with a code of
    its own (unknown_language, unknown_placeholder)."""
    status = getattr(exc, "status", 422)
    details = {"fields": {exc.field: [str(exc)]}}
    if status == 422 and not exc.own_code:
        return error_response(request, 422, "invalid", FIELDS_INVALID, details)
    return error_response(request, status, exc.code, str(exc), details)


@api.exception_handler(DoorError)
@api.exception_handler(InviteError)
@api.exception_handler(DeliveryError)
def on_conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The object's state refuses the change: invite_answered, idempotency_key_reused,
    nothing_to_undo... (each error names its own code)."""
    code = getattr(exc, "code", "conflict")
    # A few are about the request, not the state (idempotency_key_mismatch: 422).
    status = getattr(exc, "status", 409)
    # unknown_invite_type names its field (details.fields), as validation errors do.
    return error_response(request, status, code, str(exc), getattr(exc, "details", None))


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled API error", exc_info=exc)
    return error_response(
        request, 500, "server_error", "Something went wrong on our side; it has been logged."
    )


api.add_router("", "credits.api.router", tags=["Credits"])
api.add_router("", "billing.api.router", tags=["Purchases"])
api.add_router("", "events.api.router", tags=["Events"])
api.add_router("", "portals.api.router", tags=["Portal groups and portals"])
api.add_router("", "portals.window_api.router", tags=["Entry windows"])
api.add_router("", "invites.api.router", tags=["Invites"])
api.add_router("", "door.api.router", tags=["Check-in"])

# Last, so that it only catches what no router matched: unknown paths get the
# same JSON error as everything else, not Django's HTML page.
unknown_paths = Router()


@unknown_paths.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def unknown_path(request: HttpRequest, rest: str) -> HttpResponse:
    raise ApiError(404, "not_found", "No such endpoint: see /api/v1/docs.")


api.add_router("", unknown_paths)
