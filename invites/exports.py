"""CSV downloads of invites, for the organizer's or the exhibitor's own CRM.

Streamed (a portal may hold thousands of invites) and spreadsheet-safe:
every cell goes through `artsvp.csv_safe.safe_cell`, because guest names and
metadata are typed by strangers. The organizer's guest list has one
`metadata.<key>` column per key; the portal owner's file keeps one JSON cell.

Both say who arrived (invites/arrival_rows.py, the door's records):
`checked_in_at`, the first check-in still in force (in the event's time
zone), and `people_in`, how many of the party are in now. A walk-in's source
is "Walk-in".
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection
from django.db.models import F, Func, Max, QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.http import StreamingHttpResponse

from artsvp.csv_safe import safe_row
from events.models import Event
from invites.arrival_rows import local_time
from invites.hooks import Arrival, arrivals
from invites.models import Invite, invite_path, organizer_holds_link, source_name

PORTAL_COLUMNS = [
    "name",
    "email",
    "link",
    "state",
    "plus_ones_allowed",
    "plus_ones",
    "tags",
    "metadata",
    "created_at",
    "checked_in_at",
    "people_in",
]
ORGANIZER_COLUMNS = [
    "name",
    "email",
    "source",
    "type",
    "type_code",
    "label",
    "state",
    "plus_ones_allowed",
    "plus_ones",
    "uses",
    "uses_taken",
    "via_link",
    "window",
    "window_starts_at",
    "tags",
    "responded_at",
    "checked_in_at",
    "people_in",
    "link",
]
# Then one `metadata.<key>` column per metadata key of the exported invites, sorted.
METADATA_PREFIX = "metadata."


# Rows per piece of the streamed response: one write to the client per piece, not per row.
ROWS_PER_PIECE = 500


def _stream(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # A byte order mark so that Excel reads the file as UTF-8 (accented names).
    buffer.write("\ufeff")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(safe_row(row))
        if count % ROWS_PER_PIECE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _arrival_cells(event: Event, arrival: Arrival | None) -> list[Any]:
    if arrival is None:
        return ["", 0]
    at = local_time(event, arrival.first_at)
    return [at.replace(tzinfo=None) if at is not None else "", arrival.people_in]


def portal_invites_csv(
    invites: QuerySet[Invite], *, event: Event, filename: str, link: Callable[[str], str]
) -> StreamingHttpResponse:
    """The portal owner's invites; `link(path)` makes an invite's path a link.
    Rows read as tuples, who arrived in one query (as organizer_invites_csv)."""

    def rows() -> Iterator[list[Any]]:
        found = arrivals(invites)
        for (
            pk,
            name,
            email,
            token,
            status,
            plus_ones_allowed,
            plus_ones,
            created_at,
            tags,
            metadata,
        ) in invites.values_list(
            "pk",
            "guest_name",
            "guest_email",
            "token",
            "status",
            "plus_ones_allowed",
            "plus_ones",
            "created_at",
            Cast("tags", TextField()),
            Cast("metadata", TextField()),
        ).iterator(chunk_size=2000):
            yield [
                name,
                email,
                link(invite_path(token)),
                status,
                plus_ones_allowed,
                plus_ones,
                ", ".join(json.loads(tags)) if tags != "[]" else "",
                _metadata_json(metadata),
                created_at,
                *_arrival_cells(event, found.get(pk)),
            ]

    return _response(_stream(PORTAL_COLUMNS, rows()), filename)


def _metadata_json(metadata: str) -> str:
    """The portal file's one metadata cell: the JSON as we write it, empty for none."""
    if metadata in ("{}", "null", ""):
        return ""
    value = json.loads(metadata)
    return json.dumps(value, ensure_ascii=False) if value else ""


def organizer_invites_csv(
    invites: QuerySet[Invite], *, event: Event, filename: str, link: Callable[[str], str]
) -> StreamingHttpResponse:
    """The guest list. Links only where the organizer holds them
    (Invite.organizer_holds_link): a portal's guests' links stay with its owner;
    `link(path)` makes an invite's path (Invite.path) a link.

    Metadata is one column per key (the union of the exported invites' keys,
    sorted; nested values as compact JSON), so that a spreadsheet can sort
    and filter on it. The keys need a first pass over the rows before the
    header; the rows are then read up to the last invite that pass saw, so
    an invite created in between cannot bring a key the header lacks.
    Window times are in the event's time zone.

    The rows are read as tuples of the columns shown (no model instances: 50,000
    of them cost seconds), and who arrived in one query for the whole file.
    """
    keys, last_id = _metadata_keys(invites)
    header = ORGANIZER_COLUMNS + [METADATA_PREFIX + key for key in keys]
    tz = event.tz

    def rows() -> Iterator[list[Any]]:
        if last_id is None:
            return
        exported = invites.filter(pk__lte=last_id)
        found = arrivals(exported)
        for (
            pk,
            name,
            email,
            portal_id,
            portal_name,
            batch_method,
            type_name,
            type_code,
            label,
            status,
            plus_ones_allowed,
            plus_ones,
            uses,
            uses_taken,
            via_link,
            window_label,
            window_starts_at,
            responded_at,
            token,
            tags,
            metadata,
        ) in exported.values_list(
            *_ORGANIZER_FIELDS,
            # As text: most are empty, and decoding "[]" and "{}" costs more than the row.
            Cast("tags", TextField()),
            Cast("metadata", TextField()) if keys else Value(""),
        ).iterator(chunk_size=2000):
            source = source_name(
                portal_name=portal_name if portal_id is not None else None,
                batch_method=batch_method,
            )
            holds_link = organizer_holds_link(portal_id=portal_id, batch_method=batch_method)
            yield [
                name,
                email,
                source,
                type_name,
                type_code,
                label,
                status,
                plus_ones_allowed,
                plus_ones,
                uses,
                uses_taken,
                via_link,
                window_label,
                window_starts_at.astimezone(tz).replace(tzinfo=None)
                if window_starts_at is not None
                else "",
                ", ".join(json.loads(tags)) if tags != "[]" else "",
                responded_at,
                *_arrival_cells(event, found.get(pk)),
                link(invite_path(token)) if holds_link else "",
                *_metadata_cells(metadata, keys),
            ]

    return _response(_stream(header, rows()), filename)


# What organizer_invites_csv reads of each invite, in its order. A missing type,
# window or parent reads None: an empty cell, as the columns want.
_ORGANIZER_FIELDS = (
    "pk",
    "guest_name",
    "guest_email",
    "portal_id",
    "portal__name",
    "batch__method",
    "invite_type__name",
    "invite_type__code",
    "label",
    "status",
    "plus_ones_allowed",
    "plus_ones",
    "uses",
    "uses_taken",
    "parent__public_id",
    "entry_window__label",
    "entry_window__starts_at",
    "responded_at",
    "token",
)


def _metadata_cells(metadata: str, keys: list[str]) -> Iterator[str]:
    """The metadata columns of one invite, from its metadata as JSON text."""
    values = json.loads(metadata) if keys and metadata != "{}" else {}
    if not isinstance(values, dict):
        values = {}
    return (metadata_cell(values.get(key)) for key in keys)


def _metadata_keys(invites: QuerySet[Invite]) -> tuple[list[str], int | None]:
    """The sorted union of the invites' metadata keys, and the last invite's id
    (None when there is none). On PostgreSQL the database collects the keys;
    elsewhere the metadata is streamed (memory holds the keys)."""
    unordered = invites.order_by()
    if connection.vendor == "postgresql":
        last_id = unordered.aggregate(last=Max("pk"))["last"]
        if last_id is None:
            return [], None
        found = (
            unordered.filter(pk__lte=last_id)
            .annotate(kind=Func(F("metadata"), function="jsonb_typeof", output_field=TextField()))
            .filter(kind="object")
            .annotate(
                key=Func(F("metadata"), function="jsonb_object_keys", output_field=TextField())
            )
            .values_list("key", flat=True)
            .distinct()
        )
        return sorted(found), last_id
    keys: set[str] = set()
    last: int | None = None
    for pk, metadata in unordered.values_list("pk", "metadata").iterator(chunk_size=2000):
        last = pk if last is None else max(last, pk)
        if isinstance(metadata, dict):
            keys.update(str(key) for key in metadata)
    return sorted(keys), last


def metadata_cell(value: Any) -> str:
    """A metadata value as one cell: text as it is, anything else as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _response(content: Iterator[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
