"""artsvp/csv_reading.py: the one CSV reader behind the guest lists and the portal import."""

from __future__ import annotations

import codecs
import io

import pytest

from artsvp.csv_reading import CsvFileError, column_key, read_csv, read_upload


def reason(data: bytes, **options: object) -> str:
    with pytest.raises(CsvFileError) as caught:
        table = read_csv(data, max_bytes=options.pop("max_bytes", 1000), **options)  # type: ignore[arg-type]  # options are keyword arguments of read_csv, typed loosely for the parametrized cases
        list(table.rows())
    return caught.value.reason


def test_it_reads_utf8_with_a_byte_order_mark_and_numbers_rows_and_lines() -> None:
    data = '\ufeffName,Email\nAnna,a@example.com\n\n"Leo\nBerg",l@example.com\n'.encode()

    table = read_csv(data, max_bytes=1000)
    rows = list(table.rows())

    assert table.titles == ["Name", "Email"]
    assert table.keys == ["name", "email"]
    assert [(row.number, row.line) for row in rows] == [(2, 2), (4, 5)]
    assert rows[1].values(table.keys) == {"name": "Leo\nBerg", "email": "l@example.com"}


def test_it_reads_utf16_with_its_byte_order_mark() -> None:
    data = codecs.BOM_UTF16_LE + "name;email\nZoë;z@example.com\n".encode("utf-16-le")

    table = read_csv(data, max_bytes=1000)

    assert table.delimiter == ";"
    assert next(table.rows()).cells == ["Zoë", "z@example.com"]


def test_latin1_is_refused_unless_the_caller_names_a_fallback() -> None:
    data = "name\nGalerie Pérot\n".encode("latin-1")

    assert reason(data) == "not_text"
    table = read_csv(data, max_bytes=1000, fallback_encoding="cp1252")
    assert next(table.rows()).cells == ["Galerie Pérot"]


@pytest.mark.parametrize(
    ("header", "delimiters", "expected"),
    [("a;b,c;d", ",;", ";"), ("a,b;c", ",;", ","), ("a\tb", ",;\t", "\t"), ("a", ",;", ",")],
)
def test_the_header_decides_the_separator(header: str, delimiters: str, expected: str) -> None:
    table = read_csv(f"{header}\nx\n".encode(), max_bytes=1000, delimiters=delimiters)

    assert table.delimiter == expected


def test_the_callers_aliases_name_the_columns() -> None:
    table = read_csv(b"Portal, Contact-Email ,E-mail\n", max_bytes=1000, aliases={"portal": "name"})

    assert table.keys == ["name", "contact_email", "e_mail"]
    assert column_key("  Contact   email ") == "contact_email"


def test_repeated_columns_are_found_among_the_keys_asked_about() -> None:
    table = read_csv(b"name,Name,x,x\n", max_bytes=1000)

    assert table.repeated() == ["name", "x"]
    assert table.repeated(among=("name",)) == ["name"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"x" * 1001, "too_large"),
        (b"name\x00,email\n", "binary"),
        (b" \n\n", "empty"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(data: bytes, expected: str) -> None:
    assert reason(data) == expected


def test_a_row_the_csv_module_cannot_read_names_its_line() -> None:
    # A cell beyond csv.field_size_limit() (128 KiB).
    data = b"name\nAnna\n" + b"x" * 200_000 + b"\n"

    with pytest.raises(CsvFileError) as caught:
        list(read_csv(data, max_bytes=300_000).rows())
    assert caught.value.reason == "unreadable"
    assert caught.value.details["line"] == 3
    assert caught.value.details["header"] is False


def test_rows_beyond_the_limit_are_refused_and_blank_rows_do_not_count() -> None:
    data = b"name\na\n\n ,\nb\nc\n"

    assert [row.cells for row in read_csv(data, max_bytes=1000, max_rows=3).rows()][-1] == ["c"]
    assert reason(data, max_rows=2) == "too_many_rows"


def test_an_upload_is_read_at_most_one_byte_past_the_limit() -> None:
    upload = io.BytesIO(b"x" * 5000)

    with pytest.raises(CsvFileError) as caught:
        read_upload(upload, max_bytes=100)
    assert caught.value.details["size"] == 101
    with pytest.raises(CsvFileError):
        read_upload(io.BytesIO(b""), max_bytes=100, size=101)
    assert read_upload(io.BytesIO(b"name\n"), max_bytes=100) == b"name\n"
