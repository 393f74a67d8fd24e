"""Reading guest lists people paste or upload, with an error per line.

Nothing here touches the database: a list is parsed and checked in full
first, and only a list without errors is handed to the services, so a bad
file changes nothing.

Pasted lists: one guest per line, `name, email` (a tab or semicolon works
too, as when copying from a spreadsheet), or just an email, or just a name.
CSV: a header row with `name`, `email` and optionally `tags` (separated by
`;` or `|` inside the cell), `label`, `type` (an invite type's code: the
row's type instead of the one picked on the form), `uses` (how many people
may answer the link), `language` (the guest's: "de", "de-CH"; empty or a
language we do not offer: the one picked on the form, never an error) and,
for the organizer only, `golden` and `approval`
(yes/no, true/false, 1/0; empty: the type's setting); every other column
becomes metadata. A value that cannot be used is an error on its row. Comma,
semicolon and tab separated files are recognised, UTF-8, UTF-16 or
Windows-1252: artsvp/csv_reading.py reads the file, this module checks the
rows, each guest with the service's own check (invites/guests.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from artsvp.csv_reading import CsvFileError, read_csv, read_upload
from artsvp.i18n import recognized
from invites.guests import (
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    MAX_PASTED_LINES,
    OWNER_FLAGS_PROBLEM,
    GuestInput,
    check_guest,
)

RESERVED_COLUMNS = (
    "name",
    "email",
    "tags",
    "label",
    "type",
    "uses",
    "golden",
    "approval",
    "language",
)
# The columns only the organizer may fill (a portal's owner gets the type's flags).
ORGANIZER_COLUMNS = ("golden", "approval")
_YES = frozenset({"yes", "true", "1", "y"})
_NO = frozenset({"no", "false", "0", "n"})

_SEPARATORS = re.compile(r"[,\t;]")
_NAME_AND_ADDRESS = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^<>]+)>$")
_TAG_SEPARATORS = re.compile(r"[;|,]")
# How people write an address to keep it from spam robots: max(at)example.com,
# max [at] example.com, max at example dot com.
_SPELLED_AT = re.compile(r"[(\[{]\s*at\s*[)\]}]|\S\s+at\s+\S+\.|\S\s+at\s+\S+\s+dot\s", re.I)


class GuestListError(Exception):
    """The whole file or text is unusable (not a CSV, no header...)."""


@dataclass
class GuestRow:
    line: int
    name: str = ""
    email: str = ""
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    label: str = ""
    # None: the type picked on the form.
    invite_type: str | None = None
    uses: int = 1
    # None: the invite type's setting.
    golden: bool | None = None
    needs_approval: bool | None = None
    # "": the language picked on the form.
    language: str = ""
    errors: list[str] = field(default_factory=list)
    # The CSV row's cells as uploaded (for the download of skipped rows); not kept in a preview.
    cells: list[str] = field(default_factory=list)

    def as_guest(self, *, plus_ones: int | None = None) -> GuestInput:
        return GuestInput(
            name=self.name,
            email=self.email,
            tags=self.tags,
            metadata=self.metadata,
            plus_ones=plus_ones,
            label=self.label,
            invite_type=self.invite_type,
            uses=self.uses,
            golden=self.golden,
            needs_approval=self.needs_approval,
            language=self.language,
        )

    def as_dict(self) -> dict[str, Any]:
        """The row as a CSV preview keeps it in the session (from_dict reads it back)."""
        return {
            "line": self.line,
            "name": self.name,
            "email": self.email,
            "tags": self.tags,
            "metadata": self.metadata,
            "label": self.label,
            "invite_type": self.invite_type,
            "uses": self.uses,
            "golden": self.golden,
            "needs_approval": self.needs_approval,
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GuestRow:
        known = {name for name in cls.__dataclass_fields__ if name not in ("errors", "cells")}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass
class GuestList:
    rows: list[GuestRow]
    metadata_columns: list[str] = field(default_factory=list)
    # A CSV's header as the user wrote it (empty for a pasted list).
    columns: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [
            _("Line %(line)s: %(error)s") % {"line": row.line, "error": error}
            for row in self.rows
            for error in row.errors
        ]

    @property
    def error_rows(self) -> list[GuestRow]:
        return [row for row in self.rows if row.errors]

    @property
    def valid_rows(self) -> list[GuestRow]:
        return [row for row in self.rows if not row.errors]

    @property
    def guests(self) -> list[GuestInput]:
        return [row.as_guest() for row in self.rows]


def parse_pasted(text: str) -> GuestList:
    rows: list[GuestRow] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        row = GuestRow(line=number)
        match = _NAME_AND_ADDRESS.match(line)
        if match:
            row.name, row.email = match["name"].strip(" \"'"), match["email"].strip()
        else:
            *name_parts, last = (part.strip() for part in _SEPARATORS.split(line))
            if "@" in last:
                row.name, row.email = ", ".join(part for part in name_parts if part), last
            elif "@" in line:
                row.errors.append(
                    _("put the name first, then the email: Anna Muster, anna@example.com")
                )
            elif name_parts and _looks_like_an_address(last):
                # "Max Bauer, max(at)example": an address that cannot be used, not a
                # guest named after the whole line who would cost a credit.
                row.errors.append(_("%(value)r is not a valid email address.") % {"value": last})
            else:
                row.name = line
        rows.append(row)
    if len(rows) > MAX_PASTED_LINES:
        raise GuestListError(
            _("Paste at most %(limit)s lines at a time (this has %(count)s).")
            % {
                "limit": number_format(MAX_PASTED_LINES, force_grouping=True),
                "count": number_format(len(rows), force_grouping=True),
            }
        )
    _check_rows(rows)
    return GuestList(rows=rows)


def parse_csv(
    upload: IO[bytes],
    *,
    size: int | None = None,
    type_codes: Collection[str] | None = None,
    organizer: bool = False,
) -> GuestList:
    """The guests of an uploaded CSV, each row checked. `type_codes`: what a
    `type` cell may say (None: any, the service checks); `organizer`: whether
    the `golden` and `approval` columns may be filled."""
    try:
        data = read_upload(upload, max_bytes=MAX_CSV_BYTES, size=size)
        table = read_csv(
            data,
            max_bytes=MAX_CSV_BYTES,
            max_rows=MAX_CSV_ROWS,
            delimiters=",;\t",
            fallback_encoding="cp1252",
        )
    except CsvFileError as error:
        raise GuestListError(_file_message(error)) from error
    columns, keys = table.titles, table.keys
    if "name" not in keys and "email" not in keys:
        raise GuestListError(
            _(
                "The first row must name the columns, with at least %(name)s or %(email)s "
                "(for example: %(example)s)."
            )
            % {"name": "'name'", "email": "'email'", "example": "name,email,tags"}
        )
    duplicates = table.repeated()
    if duplicates:
        raise GuestListError(
            _("These columns appear twice: %(columns)s.") % {"columns": ", ".join(duplicates)}
        )
    metadata_columns = [
        column for column, key in zip(columns, keys, strict=True) if key not in RESERVED_COLUMNS
    ]

    rows: list[GuestRow] = []
    try:
        for csv_row in table.rows():
            row = GuestRow(line=csv_row.line, cells=list(csv_row.cells))
            if len(csv_row.cells) > len(columns):
                row.errors.append(
                    _("%(cells)s cells but the header has %(columns)s columns.")
                    % {"cells": len(csv_row.cells), "columns": len(columns)}
                )
            values = csv_row.values(keys)
            row.name = values.get("name", "")
            row.email = values.get("email", "")
            row.tags = _split_tags(values.get("tags", ""))
            _read_invite_columns(row, values, type_codes=type_codes, organizer=organizer)
            for column, key in zip(columns, keys, strict=True):
                if key not in RESERVED_COLUMNS and key and values.get(key):
                    row.metadata[column] = values[key]
            rows.append(row)
    except CsvFileError as error:
        raise GuestListError(_file_message(error)) from error
    if not rows:
        raise GuestListError(_("The file has a header but no guests."))
    _check_rows(rows)
    return GuestList(
        rows=rows, metadata_columns=[c for c in metadata_columns if c], columns=list(columns)
    )


def _read_invite_columns(
    row: GuestRow,
    values: dict[str, str],
    *,
    type_codes: Collection[str] | None,
    organizer: bool,
) -> None:
    """The `label`, `type`, `uses`, `golden` and `approval` cells of a row; a
    value that cannot be used becomes an error of the row."""
    row.label = values.get("label", "").strip()
    # A language we do not offer reads as the batch's (as the API does), not a
    # refused row: the guest still gets their invite, in the exhibitor's pick.
    row.language = recognized(values.get("language", ""))
    code = values.get("type", "").strip()
    if code:
        if type_codes is not None and code not in type_codes:
            known = ", ".join(sorted(type_codes)) or _("none")
            row.errors.append(
                _("there is no invite type %(code)r (types: %(known)s).")
                % {"code": code, "known": known}
            )
        row.invite_type = code
    uses = values.get("uses", "").strip()
    if uses:
        try:
            row.uses = int(uses)
        except ValueError:
            row.errors.append(_("uses must be a whole number, not %(value)r.") % {"value": uses})
    for column, attribute in (("golden", "golden"), ("approval", "needs_approval")):
        cell = values.get(column, "").strip()
        if not cell:
            continue
        if not organizer:
            row.errors.append(
                _("%(column)s: %(problem)s") % {"column": column, "problem": OWNER_FLAGS_PROBLEM}
            )
            continue
        if cell.lower() in _YES:
            setattr(row, attribute, True)
        elif cell.lower() in _NO:
            setattr(row, attribute, False)
        else:
            row.errors.append(
                _("%(column)s must be yes or no, not %(value)r.")
                % {"column": column, "value": cell}
            )


def _file_message(error: CsvFileError) -> str:
    if error.reason == "too_large":
        return _("The file is larger than 2 MB. Split it into smaller files.")
    if error.reason == "empty":
        return _("The file is empty.")
    if error.reason == "too_many_rows":
        return _("The file has more than %(limit)s guests. Split it into smaller files.") % {
            "limit": number_format(MAX_CSV_ROWS, force_grouping=True)
        }
    if error.reason == "unreadable" and error.details["header"]:
        return _("The file has no header row.")
    if error.reason == "unreadable":
        return _("The file could not be read as CSV: %(error)s.") % {
            "error": error.details["error"]
        }
    # binary, not_text (only UTF-16 can fail: the fallback reads any byte)
    return _("This doesn't look like a CSV file. Export it from your spreadsheet as CSV.")


def _looks_like_an_address(cell: str) -> bool:
    """Whether the last field of a pasted line is an attempt at an email address."""
    return bool(_SPELLED_AT.search(cell))


def _split_tags(cell: str) -> list[str]:
    tags: list[str] = []
    for tag in _TAG_SEPARATORS.split(cell):
        tag = tag.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _check_rows(rows: list[GuestRow]) -> None:
    """The service's check of each guest (invites/guests.py), as row errors; and,
    the list's own rule, each address once."""
    seen: dict[str, int] = {}
    for row in rows:
        if row.errors:
            continue
        # No plus-ones in a list: the form gives them to every guest alike.
        problems = check_guest(row.as_guest(), max_plus_ones=0)
        row.errors.extend(problem.message for problem in problems)
        if row.email and not any(problem.field == "email" for problem in problems):
            first = seen.setdefault(row.email.lower(), row.line)
            if first != row.line:
                row.errors.append(
                    _("%(email)s is already on line %(line)s.")
                    % {"email": row.email, "line": first}
                )
