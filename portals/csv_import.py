"""Reading an organizer's CSV of portals: `name,allocation,contact_email`.

The whole file is checked before anything is saved: the preview lists every
row with its problems, and a file with any bad row cannot be imported. The
same function runs again on confirmation (the preview is never trusted: the
group may have gained portals in between, and the posted content is the
browser's word).

Accepted: UTF-8 with or without a byte order mark (Excel's "CSV UTF-8"),
comma or semicolon separated (European spreadsheets use semicolons), a
header row naming the columns in any order; `allocation` and
`contact_email` may be missing or empty.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from artsvp.csv_reading import CsvFileError, CsvRow, read_csv
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


@dataclass
class ParsedRow:
    number: int  # the row in the spreadsheet; the header is row 1
    name: str
    allocation_text: str
    allocation: int | None
    contact_email: str
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def portal_row(self) -> PortalRow:
        return PortalRow(
            name=self.name, allocation=self.allocation, contact_email=self.contact_email
        )


@dataclass
class ParsedFile:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # problems with the file as a whole
    ignored_columns: list[str] = field(default_factory=list)
    delimiter: str = ","

    @property
    def bad_rows(self) -> list[ParsedRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows) and not self.bad_rows

    def portal_rows(self) -> list[PortalRow]:
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


def parse_portal_csv(data: bytes, *, default_allocation: int, taken: set[str]) -> ParsedFile:
    """Check a whole file. `taken` holds the group's portal names, case-folded."""
    result = ParsedFile()
    try:
        table = read_csv(data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, aliases=COLUMN_ALIASES)
        result.delimiter = table.delimiter
        columns = table.keys
        if "name" not in columns:
            found = ", ".join(title for title in table.titles if title) or "nothing"
            result.errors.append(
                "The first row must be a header naming the columns: "
                f"name,allocation,contact_email (found: {found})."
            )
            return result
        repeated = table.repeated(among=COLUMNS)
        if repeated:
            result.errors.append(f"The header names a column twice: {', '.join(repeated)}.")
            return result
        result.ignored_columns = [
            title
            for title, key in zip(table.titles, columns, strict=True)
            if key not in COLUMNS and title
        ]
        seen: dict[str, int] = {}
        for csv_row in table.rows():
            index = csv_row.number
            row = _parse_row(index, csv_row, columns, default_allocation=default_allocation)
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
    if row.allocation_text:
        if not row.allocation_text.isdigit() or not row.allocation_text.isascii():
            row.errors.append(
                f"The allocation must be a whole number, 0 or more (found “{row.allocation_text}”)."
            )
        elif int(row.allocation_text) > MAX_ALLOCATION:
            row.errors.append(f"The allocation can be at most {MAX_ALLOCATION:,}.")
        else:
            row.allocation = int(row.allocation_text)
    if row.contact_email:
        try:
            validate_email(row.contact_email)
        except ValidationError:
            row.errors.append(f"“{row.contact_email}” is not a valid email address.")
    return row
