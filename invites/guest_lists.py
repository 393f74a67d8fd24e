"""Reading guest lists people paste or upload, with an error per line.

Nothing here touches the database: a list is parsed and checked in full
first, and only a list without errors is handed to the services, so a bad
file changes nothing.

Pasted lists: one guest per line, `name, email` (a tab or semicolon works
too, as when copying from a spreadsheet), or just an email, or just a name.
CSV: a header row with `name`, `email` and optionally `tags` (separated by
`;` or `|` inside the cell); every other column becomes metadata. Comma,
semicolon and tab separated files are recognised, UTF-8 or Windows-1252.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from invites.services import (
    MAX_NAME_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    GuestInput,
    metadata_problem,
)

MAX_PASTED_LINES = 1_000
MAX_CSV_ROWS = 5_000
MAX_CSV_BYTES = 2 * 1024 * 1024
RESERVED_COLUMNS = ("name", "email", "tags")

_SEPARATORS = re.compile(r"[,\t;]")
_NAME_AND_ADDRESS = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^<>]+)>$")
_TAG_SEPARATORS = re.compile(r"[;|,]")


class GuestListError(Exception):
    """The whole file or text is unusable (not a CSV, no header...)."""


@dataclass
class GuestRow:
    line: int
    name: str = ""
    email: str = ""
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def as_guest(self) -> GuestInput:
        return GuestInput(name=self.name, email=self.email, tags=self.tags, metadata=self.metadata)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "name": self.name,
            "email": self.email,
            "tags": self.tags,
            "metadata": self.metadata,
        }


@dataclass
class GuestList:
    rows: list[GuestRow]
    metadata_columns: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [f"Line {row.line}: {error}" for row in self.rows for error in row.errors]

    @property
    def error_rows(self) -> list[GuestRow]:
        return [row for row in self.rows if row.errors]

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
                    "put the name first, then the email: Anna Muster, anna@example.com"
                )
            else:
                row.name = line
        rows.append(row)
    if len(rows) > MAX_PASTED_LINES:
        raise GuestListError(
            f"Paste at most {MAX_PASTED_LINES:,} lines at a time (this has {len(rows):,})."
        )
    _check_rows(rows)
    return GuestList(rows=rows)


def parse_csv(upload: IO[bytes], *, size: int | None = None) -> GuestList:
    if size is not None and size > MAX_CSV_BYTES:
        raise GuestListError("The file is larger than 2 MB. Split it into smaller files.")
    data = upload.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise GuestListError("The file is larger than 2 MB. Split it into smaller files.")
    text = _decode(data)
    if not text.strip():
        raise GuestListError("The file is empty.")
    if "\x00" in text:
        raise GuestListError(
            "This doesn't look like a CSV file. Export it from your spreadsheet as CSV."
        )
    first_line = text.lstrip().splitlines()[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        raise GuestListError("The file has no header row.") from error
    columns = [column.strip() for column in header]
    keys = [column.lower() for column in columns]
    if "name" not in keys and "email" not in keys:
        raise GuestListError(
            "The first row must name the columns, with at least 'name' or 'email' "
            "(for example: name,email,tags)."
        )
    duplicates = sorted({column for column in keys if column and keys.count(column) > 1})
    if duplicates:
        raise GuestListError(f"These columns appear twice: {', '.join(duplicates)}.")
    metadata_columns = [
        column for column, key in zip(columns, keys, strict=True) if key not in RESERVED_COLUMNS
    ]

    rows: list[GuestRow] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_CSV_ROWS:
                raise GuestListError(
                    f"The file has more than {MAX_CSV_ROWS:,} guests. Split it into smaller files."
                )
            row = GuestRow(line=reader.line_num)
            if len(cells) > len(columns):
                row.errors.append(f"{len(cells)} cells but the header has {len(columns)} columns.")
            values = dict(zip(keys, (cell.strip() for cell in cells), strict=False))
            row.name = values.get("name", "")
            row.email = values.get("email", "")
            row.tags = _split_tags(values.get("tags", ""))
            for column, key in zip(columns, keys, strict=True):
                if key not in RESERVED_COLUMNS and key and values.get(key):
                    row.metadata[column] = values[key]
            rows.append(row)
    except csv.Error as error:
        raise GuestListError(f"The file could not be read as CSV: {error}.") from error
    if not rows:
        raise GuestListError("The file has a header but no guests.")
    _check_rows(rows)
    return GuestList(rows=rows, metadata_columns=[c for c in metadata_columns if c])


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the local code page.
        return data.decode("cp1252", errors="replace")


def _split_tags(cell: str) -> list[str]:
    tags: list[str] = []
    for tag in _TAG_SEPARATORS.split(cell):
        tag = tag.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _check_rows(rows: list[GuestRow]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        if row.errors:
            continue
        if not row.name and not row.email:
            row.errors.append("give a name or an email address.")
        if len(row.name) > MAX_NAME_LENGTH:
            row.errors.append(f"the name is longer than {MAX_NAME_LENGTH} characters.")
        if row.email:
            try:
                validate_email(row.email)
            except ValidationError:
                row.errors.append(f"'{row.email}' is not a valid email address.")
            else:
                first = seen.setdefault(row.email.lower(), row.line)
                if first != row.line:
                    row.errors.append(f"{row.email} is already on line {first}.")
        if len(row.tags) > MAX_TAGS or any(len(tag) > MAX_TAG_LENGTH for tag in row.tags):
            row.errors.append(f"at most {MAX_TAGS} tags of {MAX_TAG_LENGTH} characters each.")
        # The other columns are the guest's metadata, under the API's limit.
        problem = metadata_problem(row.metadata)
        if problem:
            row.errors.append(problem)
