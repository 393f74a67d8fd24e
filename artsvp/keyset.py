"""Keyset pagination: pages of a list that stay fast and stable however deep.

A page is read with `WHERE (keys) > (the last row's keys) ORDER BY keys
LIMIT n + 1` instead of `OFFSET`, so page 100 costs what page 1 costs and a
row added while someone pages does not shift the next page by one. The order
must be total: its last key is unique (the primary key). A cursor is the
keys of the row a page starts after (forward) or ends before (backward),
encoded into an opaque URL-safe string. Editing one only moves within the
same list (the query it filters is already the tenant's); a cursor that
cannot be read is reported, and the list starts from its first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Field, Model, Q, QuerySet

RowT = TypeVar("RowT", bound=Model)

FORWARD = "a"
BACKWARD = "b"


class InvalidCursor(ValueError):
    """A cursor this list cannot read."""


@dataclass(frozen=True)
class KeysetPage(Generic[RowT]):
    rows: list[RowT]
    # The cursors of the neighbouring pages; None: there is none.
    next_cursor: str | None
    previous_cursor: str | None
    # The cursor given could not be read: this is the first page instead.
    invalid_cursor: bool = False

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def _key(order: str) -> tuple[str, bool]:
    """("-created_at") -> ("created_at", descending)."""
    return (order[1:], True) if order.startswith("-") else (order, False)


def _encode(direction: str, values: Sequence[Any]) -> str:
    shown = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    raw = json.dumps([direction, *shown], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(model: type[Model], keys: list[tuple[str, bool]], cursor: str) -> tuple[str, list[Any]]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise InvalidCursor(cursor) from error
    if not isinstance(data, list) or len(data) != len(keys) + 1:
        raise InvalidCursor(cursor)
    if data[0] not in (FORWARD, BACKWARD):
        raise InvalidCursor(cursor)
    values = []
    for (name, _descending), value in zip(keys, data[1:], strict=True):
        if value is None or isinstance(value, (list, dict)):
            raise InvalidCursor(cursor)
        try:
            model_field = model._meta.get_field(name)
            if not isinstance(model_field, Field):
                raise InvalidCursor(cursor)
            values.append(model_field.to_python(value))
        except (FieldDoesNotExist, ValidationError, TypeError, ValueError) as error:
            raise InvalidCursor(cursor) from error
    return data[0], values


def _beyond(keys: list[tuple[str, bool]], values: list[Any], *, forward: bool) -> Q:
    """The rows after (forward) or before the row with `values`, in the order of `keys`."""
    condition = Q()
    for index, (name, descending) in enumerate(keys):
        later = "lt" if descending == forward else "gt"
        step = Q(**{name: value for (name, _), value in zip(keys[:index], values, strict=False)})
        step &= Q(**{f"{name}__{later}": values[index]})
        condition |= step
    # The same rows, plus a bound on the first key alone: the database reads it as
    # a range of the list's index (`a < x OR (a = x AND b < y)` it can only filter,
    # reading the whole list up to the page: 60,000 rows for the last of 50,000).
    name, descending = keys[0]
    bound = "lte" if descending == forward else "gte"
    return Q(**{f"{name}__{bound}": values[0]}) & condition


def keyset_page(
    queryset: QuerySet[RowT],
    *,
    order: Sequence[str],
    cursor: str | None,
    per_page: int,
) -> KeysetPage[RowT]:
    """The page of `queryset` that `cursor` points at (None: the first), in `order`
    (model field names, "-" for descending, the last one unique). One row more
    than the page is read: one query, whatever the depth."""
    keys = [_key(name) for name in order]
    direction, values, invalid = FORWARD, None, False
    if cursor:
        try:
            direction, values = _decode(queryset.model, keys, cursor)
        except InvalidCursor:
            invalid = True
    forward = direction == FORWARD
    ordering = [name if forward else _reverse(name) for name in order]
    rows_query = queryset.order_by(*ordering)
    if values is not None:
        rows_query = rows_query.filter(_beyond(keys, values, forward=forward))
    rows = list(rows_query[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not forward:
        rows.reverse()
    # Coming back from a later page there is one; going forward from a cursor, one before.
    has_next = more if forward else values is not None
    has_previous = (values is not None) if forward else more
    return KeysetPage(
        rows=rows,
        next_cursor=_encode(FORWARD, _values(rows[-1], keys)) if has_next and rows else None,
        previous_cursor=(
            _encode(BACKWARD, _values(rows[0], keys)) if has_previous and rows else None
        ),
        invalid_cursor=invalid,
    )


def _reverse(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def _values(row: Model, keys: list[tuple[str, bool]]) -> list[Any]:
    return [getattr(row, name) for name, _descending in keys]
