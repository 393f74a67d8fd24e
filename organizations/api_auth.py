"""The API's key authentication: `Authorization: Bearer <key>` only.

The key decides the organization (`request.organization`); no path, query or
body parameter ever does, so every lookup starts from it and another
organization's id is a 404. Each key has its rate limit (a fixed window on the
shared cache, artsvp/ratelimit.py), counted here and announced by
`artsvp.api_support.with_rate_limit_headers`.

A key limited to check-in (`ApiKey.check_in_only`: a door device's) is
refused here, the one place its scope is enforced: 403 `key_scope` on every
endpoint but those whose router authenticates with
`ApiKeyAuth(check_in_keys=True)` (the door's: door/api.py).
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from ninja.security import HttpBearer

from artsvp.api_support import ApiError, RateLimited, rate_limit_setting
from artsvp.ratelimit import RateLimit, hit
from organizations.api_key_services import KEY_PATTERN, authenticate_api_key
from organizations.models import ApiKey, Organization

# Query parameters that would carry a key in a URL, where logs and browser
# histories keep it.
KEY_QUERY_PARAMETERS = {"api_key", "apikey", "access_token", "key", "token"}


def _key_in_query_string(request: HttpRequest) -> bool:
    for name, values in request.GET.lists():
        if name.lower() in KEY_QUERY_PARAMETERS:
            return True
        if any(KEY_PATTERN.search(value) for value in values):
            return True
    return False


class ApiRequest(HttpRequest):
    """A request that `ApiKeyAuth` let in. Only for type hints: endpoints take it,
    and `ApiKeyAuth.authenticate` is the one place that sets these attributes."""

    api_key: ApiKey
    organization: Organization
    rate_limit: RateLimit


KEY_SCOPE_MESSAGE = (
    "This key is limited to check-in: it may only check guests in, undo a check-in and read "
    "an event's attendance. Use a key without that limit."
)


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>`; sets request.organization and request.api_key.
    `check_in_keys`: whether keys limited to check-in may call the endpoint."""

    def __init__(self, *, check_in_keys: bool = False) -> None:
        super().__init__()
        self.check_in_keys = check_in_keys

    def __call__(self, request: HttpRequest) -> ApiKey | None:
        if _key_in_query_string(request):
            raise ApiError(
                401,
                "unauthenticated",
                "API keys are accepted only in the Authorization header, never in the URL "
                "(URLs end up in logs). If this key was shared in a URL, revoke it.",
            )
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        api_key = authenticate_api_key(token.strip())
        if api_key is None:
            return None
        limit, window = rate_limit_setting()
        rate_limit = hit(f"api-key:{api_key.prefix}", limit=limit, window=window)
        # The one place that makes a request an ApiRequest: the assignments below
        # are what the cast promises.
        api_request = cast(ApiRequest, request)
        api_request.rate_limit = rate_limit
        if not rate_limit.allowed:
            raise RateLimited(rate_limit)
        if api_key.check_in_only and not self.check_in_keys:
            raise ApiError(403, "key_scope", KEY_SCOPE_MESSAGE)
        api_request.api_key = api_key
        api_request.organization = api_key.organization
        return api_key


def actor_of(request: ApiRequest) -> Any:
    """Whom writes are attributed to: the person who created the key."""
    return request.api_key.created_by
