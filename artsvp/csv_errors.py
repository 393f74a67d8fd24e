"""The rows an import skipped, as a CSV to fix and upload again.

One home for both imports (portals in portals/csv_import.py, guests in
invites/guest_lists.py): the file has the columns of the upload as the user
wrote them, each skipped row's cells as they were, and an `error` column with
what was wrong, so the user fixes the cells, deletes the column's content (or
not: an unknown column is ignored or kept as metadata) and uploads the rows
again. Written through artsvp/csv_safe.py: a cell that a spreadsheet would
read as a formula is neutralised.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.http import HttpResponse

from artsvp.csv_safe import csv_response, write_rows

ERROR_COLUMN = "error"


def skipped_rows_response(
    filename: str,
    columns: Sequence[str],
    rows: Iterable[tuple[Sequence[str], Sequence[str]]],
) -> HttpResponse:
    """A download of `rows` (each: its cells, its errors) under the upload's `columns`."""
    width = len(columns)
    response = csv_response(filename, bom=True)
    write_rows(
        response,
        [*columns, ERROR_COLUMN],
        (
            [
                *cells[:width],
                *([""] * (width - len(cells))),
                " ".join(str(error) for error in errors),
                # Cells past the header (a row's own error says so): kept, after the error.
                *(cell for cell in cells[width:] if cell.strip()),
            ]
            for cells, errors in rows
        ),
    )
    return response
