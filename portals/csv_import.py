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
    "not_text": "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” "
    "and upload it again.",
    "binary": "The file contains binary data: is it an Excel workbook? "
    "Save it as “CSV UTF-8” and upload that.",
    "empty": "The file is empty. Add a header row and one row per portal.",
}


def _file_message(error: CsvFileError) -> str:
    if error.reason == "too_large":
        return (
            f"The file is {_size_label(error.details['size'])}; the limit is 1 MB. "
            "Split it into several files and import them one after the other."
        )
    if error.reason == "too_many_rows":
        return (
            f"The file has more than {MAX_ROWS:,} portals; the limit is {MAX_ROWS:,} "
            "per import. Split it into several files."
        )
    if error.reason == "unreadable":
        return f"Row {error.details['line']} could not be read as CSV ({error.details['error']})."
    return _FILE_MESSAGES[error.reason]


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
            found = ", ".join(title for title in table.titles if title) or "nothing"
            result.errors.append(
                "The first row must be a header naming the columns: "
                f"name,allocation,contact_email (found: {found})."
            )
            return result
        repeated = table.repeated(among=(*COLUMNS, *by_key))
        if repeated:
            result.errors.append(f"The header names a column twice: {', '.join(repeated)}.")
            return result
        unknown = [
            title
            for title, key in zip(table.titles, columns, strict=True)
            if key.startswith(TYPE_COLUMN_PREFIX) and key not in by_key
        ]
        if unknown:
            known = ", ".join(type_column(t) for t in invite_types) or "none"
            result.errors.append(
                f"This group has no invite type for the column {', '.join(unknown)}. "
                f"Its allocation columns are: {known}."
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
                row.errors.append(f"Same name as row {seen[key]}: each portal needs its own name.")
            elif row.name and key in taken:
                row.errors.append("This group already has a portal with this name.")
            if row.name:
                seen.setdefault(key, index)
            result.rows.append(row)
    except CsvFileError as error:
        result.errors.append(_file_message(error))
        return result
    if not result.rows:
        result.errors.append("The file has a header but no portals. Add one row per portal.")
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
            f"This row has {len(cells)} cells but the header has {len(columns)} columns "
            "(a separator inside a name? Put the name in double quotes)."
        )
    if not row.name:
        row.errors.append("The name is missing.")
    elif any(unicodedata.category(char) == "Cc" for char in row.name):
        row.errors.append("The name contains invisible control characters.")
    elif len(row.name) > MAX_NAME_LENGTH:
        row.errors.append(f"The name is longer than {MAX_NAME_LENGTH} characters.")
    row.allocation = _size(row, row.allocation_text, "The allocation")
    if row.contact_email:
        try:
            validate_email(row.contact_email)
        except ValidationError:
            row.errors.append(f"“{row.contact_email}” is not a valid email address.")
    return row


def _size(row: ParsedRow, text: str, what: str) -> int | None:
    """The cell's allocation (None when empty), or None with the row's error."""
    if not text:
        return None
    if not text.isdigit() or not text.isascii():
        row.errors.append(f"{what} must be a whole number, 0 or more (found “{text}”).")
        return None
    if int(text) > MAX_ALLOCATION:
        row.errors.append(f"{what} can be at most {MAX_ALLOCATION:,}.")
        return None
    return int(text)


def _parse_type_allocations(
    row: ParsedRow,
    values: dict[str, str],
    by_key: dict[str, InviteType],
    invite_types: Sequence[InviteType],
) -> None:
    for key, invite_type in by_key.items():
        size = _size(row, values.get(key, ""), f"The {invite_type.name} allocation")
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
