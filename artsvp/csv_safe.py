"""CSV export that is safe to open in a spreadsheet.

Excel, LibreOffice and Google Sheets treat a cell that begins with `=`, `+`,
`-` or `@` (and, in some versions, a tab or carriage return) as a formula, so
a guest name such as `=HYPERLINK("http://evil", "click")` typed by a stranger
would run in the organizer's spreadsheet (OWASP "CSV injection"). Every cell
we export goes through `safe_cell`, which prefixes such values with a single
quote: the spreadsheet then shows the text as typed.

Usage in a view::

    response = csv_response("guests.csv")
    write_rows(response, ["Name", "Email"], ((g.name, g.email) for g in guests))
    return response
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


def safe_cell(value: Any) -> str:
    """The value as text, neutralised if a spreadsheet would read it as a formula.

    Numbers are neutralised too (`-5` becomes `'-5`): the cost is that a
    negative amount opens as text, the benefit is that no rule depends on
    where a value came from.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ", timespec="seconds")
    else:
        text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def safe_row(row: Iterable[Any]) -> list[Any]:
    """`safe_cell` of each cell, for csv.writer, without a call per cell for the
    common ones: text is checked in place, and a non-negative integer and None
    are left to the writer, which writes them as `safe_cell` would (digits, and
    an empty cell)."""
    return [
        ("'" + cell if cell.startswith(FORMULA_PREFIXES) else cell)
        if cell.__class__ is str
        else cell
        if cell is None or (cell.__class__ is int and cell >= 0)
        else safe_cell(cell)
        for cell in row
    ]


def write_rows(out: _Writable, header: Iterable[Any] | None, rows: Iterable[Iterable[Any]]) -> None:
    """Write an optional header and the rows to `out` (a file or an HttpResponse)."""
    writer = csv.writer(out)
    if header is not None:
        writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))


def csv_response(filename: str, *, bom: bool = False) -> HttpResponse:
    """An empty text/csv download response named `filename`, ready for `write_rows`.

    `bom=True` starts the file with a UTF-8 byte order mark: Excel otherwise
    opens UTF-8 as the local code page and garbles accented names. Readers
    must then decode with "utf-8-sig".
    """
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if bom:
        response.write("\ufeff")
    return response
