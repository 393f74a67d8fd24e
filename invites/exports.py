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
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from artsvp.csv_safe import safe_cell
from events.models import Event
from invites.arrival_rows import local_time, with_arrivals
from invites.hooks import Arrival
from invites.models import Invite

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


class _Echo:
    """A file-like object whose write() hands the line back to the streaming response."""

    def write(self, value: str) -> str:
        return value


def _stream(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # A byte order mark so that Excel reads the file as UTF-8 (accented names).
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def _common(invite: Invite) -> tuple[str, str]:
    return ", ".join(invite.tags), json.dumps(
        invite.metadata, ensure_ascii=False
    ) if invite.metadata else ""


def _arrival_cells(event: Event, arrival: Arrival | None) -> list[Any]:
    if arrival is None:
        return ["", 0]
    at = local_time(event, arrival.first_at)
    return [at.replace(tzinfo=None) if at is not None else "", arrival.people_in]


def portal_invites_csv(
    invites: QuerySet[Invite], *, event: Event, filename: str, link: Callable[[Invite], str]
) -> StreamingHttpResponse:
    def rows() -> Iterator[list[Any]]:
        for invite, arrival in with_arrivals(invites.iterator(chunk_size=2000)):
            tags, metadata = _common(invite)
            yield [
                invite.guest_name,
                invite.guest_email,
                link(invite),
                invite.status,
                invite.plus_ones_allowed,
                invite.plus_ones,
                tags,
                metadata,
                invite.created_at,
                *_arrival_cells(event, arrival),
            ]

    return _response(_stream(PORTAL_COLUMNS, rows()), filename)


def organizer_invites_csv(
    invites: QuerySet[Invite], *, event: Event, filename: str, link: Callable[[Invite], str]
) -> StreamingHttpResponse:
    """The guest list. Links only where the organizer holds them
    (Invite.organizer_holds_link): a portal's guests' links stay with its owner.

    Metadata is one column per key (the union of the exported invites' keys,
    sorted; nested values as compact JSON), so that a spreadsheet can sort
    and filter on it. The keys need a first pass over the rows before the
    header; the rows are then read up to the last invite that pass saw, so
    an invite created in between cannot bring a key the header lacks.
    Window times are in the event's time zone. Load `invites` with
    select_related("portal", "batch", "invite_type", "entry_window", "parent").
    """
    keys, last_id = _metadata_keys(invites)
    header = ORGANIZER_COLUMNS + [METADATA_PREFIX + key for key in keys]

    def rows() -> Iterator[list[Any]]:
        if last_id is None:
            return
        chunks = invites.filter(pk__lte=last_id).iterator(chunk_size=2000)
        for invite, arrival in with_arrivals(chunks):
            window = invite.entry_window
            invite_type = invite.invite_type
            yield [
                invite.guest_name,
                invite.guest_email,
                invite.source_name,
                invite_type.name if invite_type is not None else "",
                invite_type.code if invite_type is not None else "",
                invite.label,
                invite.status,
                invite.plus_ones_allowed,
                invite.plus_ones,
                invite.uses,
                invite.uses_taken,
                invite.parent.public_id if invite.parent is not None else "",
                window.label if window is not None else "",
                window.starts_at.astimezone(event.tz).replace(tzinfo=None)
                if window is not None
                else "",
                ", ".join(invite.tags),
                invite.responded_at,
                *_arrival_cells(event, arrival),
                link(invite) if invite.organizer_holds_link else "",
                *(metadata_cell(invite.metadata.get(key)) for key in keys),
            ]

    return _response(_stream(header, rows()), filename)


def _metadata_keys(invites: QuerySet[Invite]) -> tuple[list[str], int | None]:
    """The sorted union of the invites' metadata keys, and the last invite's id
    (None when there is none). Streams the metadata only: memory holds the keys."""
    keys: set[str] = set()
    last_id: int | None = None
    for pk, metadata in invites.order_by().values_list("pk", "metadata").iterator(chunk_size=2000):
        last_id = pk if last_id is None else max(last_id, pk)
        if isinstance(metadata, dict):
            keys.update(str(key) for key in metadata)
    return sorted(keys), last_id


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
