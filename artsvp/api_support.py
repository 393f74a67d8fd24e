"""What every API router shares: rate limits, errors, pagination, field types.

- Auth: the key authentication lives with the keys, in
  `organizations/api_auth.py` (this module sits below organizations).
- Errors: always `{"code", "message", "details"}` with a stable `code`;
  `ApiError` carries one from a router, and `config/api.py` maps domain
  errors and ninja's own errors to the same shape.
- Rate limits: a fixed window per key on the shared cache, announced in
  `X-RateLimit-*` headers on every authenticated response.
- Lists: keyset pagination on the row id, newest first. The cursor names the
  last row seen, so rows inserted meanwhile never shift or repeat a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from functools import wraps
from typing import Annotated, Any, TypeVar, get_args

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import Model, QuerySet, TextChoices
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema
from ninja.params.functions import Path as PathParam
from pydantic import AfterValidator, BaseModel, StringConstraints, WithJsonSchema, model_validator

from artsvp.i18n import LANGUAGE_CODES
from artsvp.ids import PUBLIC_ID_PATTERN
from artsvp.links import absolute_url
from artsvp.ratelimit import RateLimit

M = TypeVar("M", bound=Model)
R = TypeVar("R")


# What a 422 says; details.fields names each field and its problems.
FIELDS_INVALID = "Some fields are invalid: see details.fields."


class ApiError(Exception):
    """An error answered as JSON with a stable machine-readable `code`."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        super().__init__(message)


def field_error(field: str, message: str) -> ApiError:
    """A 422 `invalid` about one input field, as request validation answers it."""
    return ApiError(422, "invalid", FIELDS_INVALID, {"fields": {field: [message]}})


class RateLimited(ApiError):
    def __init__(self, rate_limit: RateLimit) -> None:
        self.retry_after = max(1, rate_limit.reset_in)
        super().__init__(
            429,
            "rate_limited",
            f"Too many requests for this API key: the limit is {rate_limit.limit} per window. "
            f"Retry in {self.retry_after} seconds.",
            {"limit": rate_limit.limit, "retry_after": self.retry_after},
        )


class InputSchema(Schema):
    """A request body. ninja's schemas read attributes from any object (for ORM
    rows), which would take a JSON string or list for an empty object; a body
    must be a JSON object."""

    @model_validator(mode="wrap")
    @classmethod
    def _object_only(cls, value: Any, handler: Any) -> Any:
        if not isinstance(value, dict | BaseModel):
            raise ValueError("Send a JSON object.")
        if isinstance(value, dict):
            # Integer fields are strict ("3" and true are refused), but JSON's 3.0 is 3.
            integers = _integer_fields(cls)
            value = {
                key: int(item)
                if key in integers and isinstance(item, float) and item.is_integer()
                else item
                for key, item in value.items()
            }
        return handler(value)


def _integer_fields(schema: type[BaseModel]) -> set[str]:
    return {
        name
        for name, info in schema.model_fields.items()
        if info.annotation is int or int in get_args(info.annotation)
    }


class ErrorOut(Schema):
    code: str = Field(..., description="Stable machine-readable error code.")
    message: str = Field(..., description="What went wrong, for people.")
    details: dict[str, Any] = Field(
        default_factory=dict, description="Structured facts about the error."
    )


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Response declarations for the OpenAPI schema. Every endpoint can answer 400 (a
    control character in the URL, a body that is not JSON), 401, 403 (`key_scope`: a key
    limited to check-in, outside the door's endpoints), 413 (a body over the limit), 422
    (a parameter or body the schema refuses) and 429."""
    return {status: ErrorOut for status in sorted({400, 401, 403, 413, 422, 429, *statuses})}


# --- Auth and rate limits -------------------------------------------------------


def rate_limit_setting() -> tuple[int, int]:
    """(requests, window in seconds) from settings.API_RATE_LIMIT, e.g. "1000/900"."""
    requests, _, seconds = str(settings.API_RATE_LIMIT).partition("/")
    return int(requests), int(seconds or 900)


def with_rate_limit_headers(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wraps each operation so every authenticated answer, errors included, says the limit."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = run(request, *args, **kwargs)
        rate_limit: RateLimit | None = getattr(request, "rate_limit", None)
        if rate_limit is not None:
            response["X-RateLimit-Limit"] = str(rate_limit.limit)
            response["X-RateLimit-Remaining"] = str(rate_limit.remaining)
            response["X-RateLimit-Reset"] = str(rate_limit.reset_in)
        return response

    return wrapper


def site_url(path: str) -> str:
    """The API's `url` fields (artsvp/links.py holds the rule)."""
    return absolute_url(path)


# --- Pagination --------------------------------------------------------------------


# Every string the pattern admits is a cursor this API can follow (a smaller
# row id than any: an empty page), so the schema says exactly what is accepted.
# 15 hex digits stay below PostgreSQL's bigint.
CURSOR_PATTERN = r"^v1\.[0-9a-f]{1,15}$"


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=200, description="How many items per page (1 to 200).")
    cursor: str | None = Field(
        None,
        pattern=CURSOR_PATTERN,
        description="The `next_cursor` of the previous page; omit for the first page.",
    )


def _encode_cursor(row_id: int) -> str:
    return f"v1.{row_id:x}"


def _decode_cursor(cursor: str) -> int:
    try:
        if not re.fullmatch(CURSOR_PATTERN, cursor):
            raise ValueError(cursor)
        row_id = int(cursor[3:], 16)
    except ValueError:
        raise ApiError(
            422,
            "invalid",
            "The cursor is not one this API returned.",
            {"fields": {"cursor": ["Use the next_cursor of the previous page."]}},
        ) from None
    return row_id


def paginate(
    queryset: QuerySet[Any, R], page: PageQuery, *, row_id: Callable[[R], int] | None = None
) -> tuple[list[R], str | None]:
    """One page of `queryset`, newest first, and the cursor of the next page (or None).
    `row_id` reads a row's id when the rows are not model instances (values_list)."""
    rows = queryset.order_by("-id")
    if page.cursor:
        rows = rows.filter(id__lt=_decode_cursor(page.cursor))
    items = list(rows[: page.limit + 1])
    if len(items) > page.limit:
        items = items[: page.limit]
        last = items[-1]
        return items, _encode_cursor(row_id(last) if row_id else last.pk)  # type: ignore[attr-defined]  # without row_id, the rows are model instances
    return items, None


# --- Field types -------------------------------------------------------------------
# Constraints live in the schema so that the OpenAPI document tells clients
# what is accepted. NUL characters are refused everywhere: PostgreSQL cannot
# store them in text or JSON.

_NO_NUL = r"^[^\x00]*$"
_NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"
# A public id in a path. The schema declares the format; the lookup
# (an access helper) answers 404 for any other value, as for an unknown id.
PublicId = Annotated[
    str,
    WithJsonSchema({"type": "string", "pattern": f"^{PUBLIC_ID_PATTERN.pattern}$"}),
    PathParam(...),
]


def text(max_length: int, *, default: Any = "", blank: bool = True, description: str = "") -> Any:
    """A string of at most `max_length` characters; `default=...` makes it required."""
    return Field(
        default,
        min_length=0 if blank else 1,
        max_length=max_length,
        pattern=_NO_NUL if blank else _NOT_BLANK,
        description=description,
    )


def _check_email(value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError("Enter a valid email address.") from None
    return value


Email = Annotated[
    str,
    StringConstraints(max_length=254, pattern=_NO_NUL),
    AfterValidator(_check_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254}),
]


def _check_when(value: datetime) -> datetime:
    if not (MIN_YEAR <= value.year <= MAX_YEAR):
        raise ValueError(f"Use a date between the years {MIN_YEAR} and {MAX_YEAR}.")
    # PostgreSQL reads offsets up to ±15:59 only; Python takes up to ±23:59.
    offset = value.utcoffset()
    if offset is not None and abs(offset) > timedelta(hours=15, minutes=59):
        raise ValueError("Use a UTC offset between -15:59 and +15:59.")
    return value


MIN_YEAR, MAX_YEAR = 2000, 2100
When = Annotated[
    datetime,
    AfterValidator(_check_when),
    # The years, declared (2000 to 2100).
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": r"^(20[0-9]{2}|2100)-"}),
]


def api_enum(name: str, choices: type[TextChoices]) -> type[StrEnum]:
    """A model's choices as an enum with its own OpenAPI name (Portal.Status and
    Invite.Status would both be "Status" and overwrite each other in the schema)."""
    return StrEnum(name, {value: value for value in choices.values})  # type: ignore[return-value]  # the functional StrEnum API returns type[Enum] in typeshed


# Our languages (settings.LANGUAGES) as the schema's enum: a field or a key of
# translations that is no language of ours is refused like any schema error.
Language = StrEnum("Language", {code: code for code in LANGUAGE_CODES})  # type: ignore[misc]  # the functional StrEnum API
