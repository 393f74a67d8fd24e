"""Reading an organizer's CSV of portals: `name,allocation,contact_email`, and
one `allocation_<code>` column per invite type of the group (any case).

The whole file is checked before anything is saved: the preview lists every
row with its problems. A file with bad rows imports only if the organizer
chooses to skip them (`portal_rows(skip_bad=True)`: the valid rows, all or
none); the skipped rows download with their errors (artsvp/csv_errors.py).
The same function runs again on confirmation (the preview is never trusted: the
group may have gained portals in between, and the posted content is the
browser's word).

Accepted: UTF-8 with or without a byte order mark (Excel's "CSV UTF-8"),
comma or semicolon separated (European spreadsheets use semicolons), a
header row naming the columns in any order; `allocation` and
`contact_email` may be missing or empty. `allocation` is the group's first
type's; an empty or missing `allocation_<code>` is that type's default; an
`allocation_<code>` column of a code the group has no live type of is an
error of the whole file, naming the codes it has.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy

from artsvp.csv_reading import CsvFileError, CsvRow, column_key, read_csv
from portals.models import InviteType
from portals.services import (
    MAX_ALLOCATION,
    MAX_IMPORT_BYTES,
    MAX_PORTAL_NAME_LENGTH,
    MAX_PORTALS_PER_IMPORT,
    PortalRow,
)

# The limits are the service's (portals/services.py); these names are the import's words.
MAX_BYTES = MAX_IMPORT_BYTES
MAX_ROWS = MAX_PORTALS_PER_IMPORT
MAX_NAME_LENGTH = MAX_PORTAL_NAME_LENGTH
COLUMNS = ("name", "allocation", "contact_email")
COLUMN_ALIASES = {"email": "contact_email", "contact": "contact_email", "portal": "name"}
TYPE_COLUMN_PREFIX = "allocation_"


def type_column(invite_type: InviteType) -> str:
    """The header of a type's allocation column, as the organizer writes it."""
    return f"{TYPE_COLUMN_PREFIX}{invite_type.code}"


@dataclass(frozen=True)
class ShownAllocation:
    """One type's allocation of a row, for the preview."""

    type_name: str
    text: str
    is_default: bool


@dataclass
class ParsedRow:
    number: int  # the row in the spreadsheet; the header is row 1
    name: str
    allocation_text: str
    allocation: int | None
    contact_email: str
    errors: list[str] = field(default_factory=list)
    # By invite type code: the sizes of the row's allocation_<code> cells.
    allocations: dict[str, int] = field(default_factory=dict)
    shown_allocations: list[ShownAllocation] = field(default_factory=list)
    # The row's cells as uploaded, for the download of skipped rows.
    cells: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def portal_row(self) -> PortalRow:
        return PortalRow(
            name=self.name,
            allocation=self.allocation,
            contact_email=self.contact_email,
            allocations=dict(self.allocations),
        )


@dataclass
class ParsedFile:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # problems with the file as a whole
    ignored_columns: list[str] = field(default_factory=list)
    delimiter: str = ","
    # The header as the organizer wrote it.
    columns: list[str] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[ParsedRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def valid_rows(self) -> list[ParsedRow]:
        return [row for row in self.rows if row.ok]

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows) and not self.bad_rows

    @property
    def can_import_valid_rows(self) -> bool:
        """Whether skipping the bad rows leaves something to import."""
        return not self.errors and bool(self.valid_rows)

    def portal_rows(self, *, skip_bad: bool = False) -> list[PortalRow]:
        """The rows to create: every row of a valid file; with `skip_bad`, the valid ones."""
        if skip_bad and self.can_import_valid_rows:
            return [row.portal_row() for row in self.valid_rows]
        if not self.is_valid:
            raise ValueError("This file has errors: fix them before importing.")
        return [row.portal_row() for row in self.rows]


def _size_label(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 100 * 1024 else f"{size // 1024} KB"


# What the organizer reads when the file as a whole cannot be read (artsvp/csv_reading.py).
_FILE_MESSAGES = {
    "not_text": gettext_lazy(
        "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” "
        "and upload it again."
    ),
    "binary": gettext_lazy(
        "The file contains binary data: is it an Excel workbook? "
        "Save it as “CSV UTF-8” and upload that."
    ),
    "empty": gettext_lazy("The file is empty. Add a header row and one row per portal."),
}


def _file_message(error: CsvFileError) -> str:
    if error.reason == "too_large":
        return gettext(
            "The file is %(size)s; the limit is 1 MB. "
            "Split it into several files and import them one after the other."
        ) % {"size": _size_label(error.details["size"])}
    if error.reason == "too_many_rows":
        return gettext(
            "The file has more than %(limit)s portals; the limit is %(limit)s "
            "per import. Split it into several files."
        ) % {"limit": number_format(MAX_ROWS, force_grouping=True)}
    if error.reason == "unreadable":
        return gettext("Row %(line)s could not be read as CSV (%(error)s).") % {
            "line": error.details["line"],
            "error": error.details["error"],
        }
    return str(_FILE_MESSAGES[error.reason])


def parse_portal_csv(
    data: bytes,
    *,
    default_allocation: int,
    taken: set[str],
    invite_types: Sequence[InviteType] = (),
) -> ParsedFile:
    """Check a whole file. `taken` holds the group's portal names, case-folded;
    `invite_types` the group's live types (their allocation_<code> columns)."""
    result = ParsedFile()
    by_key = {column_key(type_column(t)): t for t in invite_types}
    try:
        table = read_csv(data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, aliases=COLUMN_ALIASES)
        result.delimiter = table.delimiter
        result.columns = list(table.titles)
        columns = table.keys
        if "name" not in columns:
            found = ", ".join(title for title in table.titles if title) or gettext("nothing")
            result.errors.append(
                gettext(
                    "The first row must be a header naming the columns: "
                    "%(columns)s (found: %(found)s)."
                )
                % {"columns": ",".join(COLUMNS), "found": found}
            )
            return result
        repeated = table.repeated(among=(*COLUMNS, *by_key))
        if repeated:
            result.errors.append(
                gettext("The header names a column twice: %(columns)s.")
                % {"columns": ", ".join(repeated)}
            )
            return result
        unknown = [
            title
            for title, key in zip(table.titles, columns, strict=True)
            if key.startswith(TYPE_COLUMN_PREFIX) and key not in by_key
        ]
        if unknown:
            known = ", ".join(type_column(t) for t in invite_types) or gettext("none")
            result.errors.append(
                gettext(
                    "This group has no invite type for the column %(columns)s. "
                    "Its allocation columns are: %(known)s."
                )
                % {"columns": ", ".join(unknown), "known": known}
            )
            return result
        result.ignored_columns = [
            title
            for title, key in zip(table.titles, columns, strict=True)
            if key not in COLUMNS and key not in by_key and title
        ]
        seen: dict[str, int] = {}
        for csv_row in table.rows():
            index = csv_row.number
            row = _parse_row(index, csv_row, columns, default_allocation=default_allocation)
            _parse_type_allocations(row, csv_row.values(columns), by_key, invite_types)
            key = row.name.casefold()
            if row.name and key in seen:
                row.errors.append(
                    gettext("Same name as row %(row)s: each portal needs its own name.")
                    % {"row": seen[key]}
                )
            elif row.name and key in taken:
                row.errors.append(gettext("This group already has a portal with this name."))
            if row.name:
                seen.setdefault(key, index)
            result.rows.append(row)
    except CsvFileError as error:
        result.errors.append(_file_message(error))
        return result
    if not result.rows:
        result.errors.append(
            gettext("The file has a header but no portals. Add one row per portal.")
        )
    return result


def _parse_row(
    number: int, csv_row: CsvRow, columns: list[str], *, default_allocation: int
) -> ParsedRow:
    cells = csv_row.cells
    values = csv_row.values(columns)
    row = ParsedRow(
        number=number,
        name=values.get("name", ""),
        allocation_text=values.get("allocation", ""),
        allocation=None,
        contact_email=values.get("contact_email", ""),
        cells=list(cells),
    )
    if csv_row.extra_cells(len(columns)):
        row.errors.append(
            gettext(
                "This row has %(cells)s cells but the header has %(columns)s columns "
                "(a separator inside a name? Put the name in double quotes)."
            )
            % {"cells": len(cells), "columns": len(columns)}
        )
    if not row.name:
        row.errors.append(gettext("The name is missing."))
    elif any(unicodedata.category(char) == "Cc" for char in row.name):
        row.errors.append(gettext("The name contains invisible control characters."))
    elif len(row.name) > MAX_NAME_LENGTH:
        row.errors.append(
            gettext("The name is longer than %(limit)s characters.") % {"limit": MAX_NAME_LENGTH}
        )
    row.allocation = _size(row, row.allocation_text, None)
    if row.contact_email:
        try:
            validate_email(row.contact_email)
        except ValidationError:
            row.errors.append(
                gettext("“%(email)s” is not a valid email address.") % {"email": row.contact_email}
            )
    return row


def _size(row: ParsedRow, text: str, type_name: str | None) -> int | None:
    """The cell's allocation (None when empty), or None with the row's error;
    `type_name` names the invite type of an `allocation_<code>` column."""
    if not text:
        return None
    values = {
        "found": text,
        "limit": number_format(MAX_ALLOCATION, force_grouping=True),
        "type": type_name,
    }
    if not text.isdigit() or not text.isascii():
        if type_name is None:
            message = gettext(
                "The allocation must be a whole number, 0 or more (found “%(found)s”)."
            )
        else:
            message = gettext(
                "The %(type)s allocation must be a whole number, 0 or more (found “%(found)s”)."
            )
        row.errors.append(message % values)
        return None
    if int(text) > MAX_ALLOCATION:
        if type_name is None:
            message = gettext("The allocation can be at most %(limit)s.")
        else:
            message = gettext("The %(type)s allocation can be at most %(limit)s.")
        row.errors.append(message % values)
        return None
    return int(text)


def _parse_type_allocations(
    row: ParsedRow,
    values: dict[str, str],
    by_key: dict[str, InviteType],
    invite_types: Sequence[InviteType],
) -> None:
    for key, invite_type in by_key.items():
        size = _size(row, values.get(key, ""), invite_type.name)
        if size is not None:
            row.allocations[invite_type.code] = size
    if len(invite_types) < 2:
        return
    for position, invite_type in enumerate(invite_types):
        size = row.allocations.get(invite_type.code)
        if size is None and position == 0:
            size = row.allocation
        row.shown_allocations.append(
            ShownAllocation(
                type_name=invite_type.name,
                text=str(size if size is not None else invite_type.default_allocation),
                is_default=size is None,
            )
        )
