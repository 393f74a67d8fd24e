"""artsvp/csv_safe.py: exported cells never run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from artsvp.csv_safe import csv_response, safe_cell, write_rows


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            '=HYPERLINK("http://evil.example","Click")',
            '\'=HYPERLINK("http://evil.example","Click")',
        ),
        ("+41 61 000 00 00", "'+41 61 000 00 00"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        (-5, "'-5"),
        ("Galerie Nord", "Galerie Nord"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
        (True, "yes"),
        (datetime(2026, 5, 1, 9, 30, tzinfo=UTC), "2026-05-01 09:30:00+00:00"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_neutralised(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_write_rows_quotes_and_neutralises_every_cell() -> None:
    out = io.StringIO()

    write_rows(out, ["Name", "=Note"], [["=cmd|' /C calc'!A0", "comma, inside"]])

    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["Name", "'=Note"], ["'=cmd|' /C calc'!A0", "comma, inside"]]


def test_a_csv_response_is_a_named_download() -> None:
    response = csv_response("guests.csv", bom=True)
    write_rows(response, None, [["Ann"]])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="guests.csv"'
    assert response.content.decode("utf-8-sig") == "Ann\r\n"
