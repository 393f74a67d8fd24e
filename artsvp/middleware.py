"""Refuse malformed requests before any view, lookup or session read sees them.

- Control characters (NUL, U+0001 to U+001F, U+007F to U+009F) in the path or
  in a query parameter's name or value answer 400: PostgreSQL refuses NUL in
  text, so a lookup with one was a database error, a 500 and an email to
  ADMINS. No URL or query value of ours ever holds a control character.
- NUL in a posted form field (urlencoded or multipart) answers 400 for the
  same reason. Other control characters are allowed there: tabs and line
  breaks are ordinary in a textarea.
- Bodies over the limit answer 413: `API_MAX_BODY_BYTES` for the API (it fits
  the largest batch of invites, see settings), Django's
  `DATA_UPLOAD_MAX_MEMORY_SIZE` for form posts (whose files do not count).
  An API body between the two is read here, since request.body would apply
  Django's form limit to it.

API paths get the API's JSON error shape (`{"code", "message", "details"}`);
pages get templates/400.html or 413.html. The check runs before the session
and the user are loaded, so the pages render as for a visitor.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.translation import gettext

API_PREFIX = "/api/"
# Set by the app that owns API keys (organizations/apps.py): a lower layer
# offers the hook instead of importing upwards.
_api_key_check: Callable[[str], bool] | None = None


def register_api_key_check(check: Callable[[str], bool]) -> None:
    global _api_key_check
    _api_key_check = check


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_control_character(values: Iterable[str]) -> bool:
    return any(CONTROL_CHARACTERS.search(value) for value in values)


def _query_strings(query: QueryDict) -> Iterable[str]:
    for name, values in query.lists():
        yield name
        yield from values


def _has_nul(query: QueryDict) -> bool:
    return any("\x00" in value for value in _query_strings(query))


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, code: str, message: str) -> HttpResponse:
    body = json.dumps({"code": code, "message": message, "details": {}})
    return HttpResponse(body, status=status, content_type="application/json")


def bad_request(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return api_error(
            400,
            "bad_request",
            gettext("The URL, the query or a form field holds a control character."),
        )
    return HttpResponse(render_to_string("400.html", request=request), status=400)


def payload_too_large(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        limit = settings.API_MAX_BODY_BYTES
        return api_error(
            413,
            "payload_too_large",
            gettext("The request body is over the limit of %(limit)s bytes.")
            % {"limit": number_format(limit, force_grouping=True)},
        )
    return HttpResponse(render_to_string("413.html", request=request), status=413)


class RejectMalformedRequestsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if CONTROL_CHARACTERS.search(request.path) or _has_control_character(
            _query_strings(request.GET)
        ):
            return bad_request(request)
        if is_api_request(request):
            if _content_length(request) > settings.API_MAX_BODY_BYTES:
                return payload_too_large(request)
            self._read_api_body(request)
            return self._json_not_found(request, self.get_response(request))
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            try:
                if _has_nul(request.POST):
                    return bad_request(request)
            except RequestDataTooBig:
                return payload_too_large(request)
            except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
                return bad_request(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A view that reads the body itself (not through request.POST above).
        if isinstance(exception, RequestDataTooBig):
            return payload_too_large(request)
        return None

    @staticmethod
    def _json_not_found(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        # /api/ paths outside the API's own URLs (/api/, /api/v2/...) get the
        # API's error shape too, not the HTML 404 page.
        if response.status_code == 404 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return api_error(404, "not_found", gettext("No such endpoint: see /api/v1/docs."))
        return response

    @staticmethod
    def _read_api_body(request: HttpRequest) -> None:
        """Read an API body up to the API's own limit, which is higher than
        Django's limit for form posts (request.body would refuse it)."""
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None or _content_length(request) <= limit:
            return
        # Without a valid key ninja answers 401 before it reads the body: only
        # a request with a live key is buffered up to the API limit, so a
        # made-up "Bearer" header cannot make every worker hold 96 MiB.
        scheme, _, raw_key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or _api_key_check is None or not _api_key_check(raw_key.strip()):
            return
        try:
            body = request.read()
        except OSError as error:
            raise SuspiciousOperation("The request body could not be read.") from error
        # What HttpRequest.body itself does once it has read the body: later
        # reads (ninja's parser, request.body) get these bytes.
        request._body = body
        request._stream = io.BytesIO(body)
