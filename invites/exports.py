"""CSV downloads of invites, for the organizer's or the exhibitor's own CRM.

Streamed (a portal may hold thousands of invites) and spreadsheet-safe:
every cell goes through `artsvp.csv_safe.safe_cell`, because guest names and
metadata are typed by strangers.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from artsvp.csv_safe import safe_cell
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
]
ORGANIZER_COLUMNS = [
    "name",
    "email",
    "source",
    "state",
    "plus_ones_allowed",
    "plus_ones",
    "tags",
    "metadata",
    "responded_at",
    "link",
]


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


def portal_invites_csv(
    invites: QuerySet[Invite], *, filename: str, link: Callable[[Invite], str]
) -> StreamingHttpResponse:
    def rows() -> Iterator[list[Any]]:
        for invite in invites.iterator(chunk_size=2000):
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
            ]

    return _response(_stream(PORTAL_COLUMNS, rows()), filename)


def organizer_invites_csv(
    invites: QuerySet[Invite], *, filename: str, link: Callable[[Invite], str]
) -> StreamingHttpResponse:
    """The guest list. Links only where the organizer holds them
    (Invite.organizer_holds_link): a portal's guests' links stay with its owner.
    Load `invites` with select_related("portal", "batch")."""

    def rows() -> Iterator[list[Any]]:
        for invite in invites.iterator(chunk_size=2000):
            tags, metadata = _common(invite)
            yield [
                invite.guest_name,
                invite.guest_email,
                invite.source_name,
                invite.status,
                invite.plus_ones_allowed,
                invite.plus_ones,
                tags,
                metadata,
                invite.responded_at,
                link(invite) if invite.organizer_holds_link else "",
            ]

    return _response(_stream(ORGANIZER_COLUMNS, rows()), filename)


def _response(content: Iterator[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
