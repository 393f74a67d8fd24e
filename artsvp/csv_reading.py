"""Reading the CSV files people upload: bytes in, a header and numbered rows out.

One reader for every import (the guest lists in invites/guest_lists.py, the
portal import in portals/csv_import.py): it decodes, finds the separator,
normalises the header (with the caller's aliases), skips blank rows and
applies the size and row limits. What a row means, and the sentences users
read, stay with the caller: every problem with the file as a whole is a
`CsvFileError` with a stable `reason` and the figures a message needs.
(Writing CSV that is safe to open in a spreadsheet is artsvp/csv_safe.py.)

Decoding: a UTF-16 byte order mark means UTF-16 (Excel's "Unicode text");
otherwise UTF-8 with or without its byte order mark (Excel's "CSV UTF-8"),
and, when the caller names one, a fallback encoding for what is not UTF-8
(Excel on Windows saves plain "CSV" in the local code page, cp1252).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

__all__ = ["CsvFileError", "CsvRow", "CsvTable", "column_key", "read_csv", "read_upload"]


class CsvFileError(Exception):
    """The file as a whole cannot be read. `reason` is one of: too_large, not_text,
    binary, empty, unreadable (details: line, error, header), too_many_rows (details: limit)."""

    def __init__(self, reason: str, **details: Any) -> None:
        self.reason = reason
        self.details = details
        super().__init__(reason)


@dataclass(frozen=True)
class CsvRow:
    number: int  # the record in the spreadsheet; the header is record 1
    line: int  # the file's line on which the record ends (a quoted cell may span lines)
    cells: list[str]

    def values(self, keys: list[str]) -> dict[str, str]:
        """The cells by column key, stripped; a key that repeats keeps its first cell."""
        values: dict[str, str] = {}
        for key, cell in zip(keys, self.cells, strict=False):
            values.setdefault(key, cell.strip())
        return values

    def extra_cells(self, width: int) -> list[str]:
        """The cells beyond the header's `width` columns that hold something."""
        return [cell for cell in self.cells[width:] if cell.strip()]


@dataclass
class CsvTable:
    titles: list[str]  # the header's cells, stripped, as the user wrote them
    keys: list[str]  # the same, normalised by `column_key` and the caller's aliases
    delimiter: str
    _reader: Any = field(repr=False)
    _max_rows: int | None = field(repr=False)

    def repeated(self, among: Any = None) -> list[str]:
        """The keys that appear more than once (only those in `among`, if given), sorted."""
        return sorted(
            {
                key
                for key in self.keys
                if key and self.keys.count(key) > 1 and (among is None or key in among)
            }
        )

    def rows(self) -> Iterator[CsvRow]:
        """The rows after the header, blank ones skipped. Raises CsvFileError
        (too_many_rows, unreadable) when it reaches the problem."""
        count = 0
        number = 1
        try:
            for cells in self._reader:
                number += 1
                if not any(cell.strip() for cell in cells):
                    continue
                if self._max_rows is not None and count >= self._max_rows:
                    raise CsvFileError("too_many_rows", limit=self._max_rows)
                count += 1
                yield CsvRow(number=number, line=self._reader.line_num, cells=cells)
        except csv.Error as error:
            raise CsvFileError(
                "unreadable", line=self._reader.line_num, error=error, header=False
            ) from error


def read_upload(upload: IO[bytes], *, max_bytes: int, size: int | None = None) -> bytes:
    """The upload's bytes, reading at most one byte past the limit. `size` is what the
    client announced (a form upload's `.size`): a file announced too large is not read."""
    if size is not None and size > max_bytes:
        raise CsvFileError("too_large", size=size, limit=max_bytes)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise CsvFileError("too_large", size=len(data), limit=max_bytes)
    return data


def column_key(title: str, aliases: Mapping[str, str] | None = None) -> str:
    """ "Contact e-mail " -> "contact_email", then the caller's alias for it, if any."""
    key = "_".join(title.strip().lower().replace("-", " ").split())
    return (aliases or {}).get(key, key)


def read_csv(
    data: bytes,
    *,
    max_bytes: int,
    max_rows: int | None = None,
    delimiters: str = ",;",
    aliases: Mapping[str, str] | None = None,
    fallback_encoding: str | None = None,
) -> CsvTable:
    """Decode `data`, find its separator among `delimiters`, read the header.

    Raises CsvFileError: too_large, not_text, binary, empty, unreadable (the
    header itself). The rows are read by `CsvTable.rows()`.
    """
    if len(data) > max_bytes:
        raise CsvFileError("too_large", size=len(data), limit=max_bytes)
    text = _decode(data, fallback_encoding=fallback_encoding)
    if "\x00" in text:
        # A workbook or an image, not text: no reading of it would mean anything.
        raise CsvFileError("binary")
    if not text.strip():
        raise CsvFileError("empty")
    delimiter = sniff_delimiter(text, delimiters)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, [])
    except csv.Error as error:
        raise CsvFileError("unreadable", line=reader.line_num, error=error, header=True) from error
    return CsvTable(
        titles=[title.strip() for title in header],
        keys=[column_key(title, aliases) for title in header],
        delimiter=delimiter,
        _reader=reader,
        _max_rows=max_rows,
    )


def sniff_delimiter(text: str, delimiters: str) -> str:
    """The header decides: it holds only column names, so a separator in it can
    only be the separator (a name in a data row may contain any of them)."""
    header = text.lstrip().split("\n", 1)[0]
    delimiter = max(delimiters, key=header.count)
    if header.count(delimiter):
        return delimiter
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=delimiters).delimiter
    except csv.Error:
        return delimiters[0]


def _decode(data: bytes, *, fallback_encoding: str | None) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise CsvFileError("not_text") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if fallback_encoding is None:
            raise CsvFileError("not_text") from error
        return data.decode(fallback_encoding, errors="replace")
