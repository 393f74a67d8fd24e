"""Reading pasted lists and CSV files, with an error per line."""

from __future__ import annotations

import io

import pytest

from invites.guest_lists import GuestListError, parse_csv, parse_pasted


def test_pasted_lines_in_the_usual_shapes():
    guest_list = parse_pasted(
        "Anna Muster, anna@example.com\n"
        "  \n"
        "Leo Berg\tleo@example.com\n"
        "Mia Rossi <mia@example.com>\n"
        "solo@example.com\n"
        "Just A Name\n"
        "Muster, Anna, anna.m@example.com\n"
    )
    assert not guest_list.errors
    assert [(row.name, row.email) for row in guest_list.rows] == [
        ("Anna Muster", "anna@example.com"),
        ("Leo Berg", "leo@example.com"),
        ("Mia Rossi", "mia@example.com"),
        ("", "solo@example.com"),
        ("Just A Name", ""),
        ("Muster, Anna", "anna.m@example.com"),
    ]
    assert [row.line for row in guest_list.rows] == [1, 3, 4, 5, 6, 7]


def test_pasted_errors_name_their_line():
    guest_list = parse_pasted(
        "a@example.com, Anna\nBob, bob@\nCarl, carl@example.com\nC2, CARL@example.com"
    )
    assert guest_list.errors == [
        "Line 1: put the name first, then the email: Anna Muster, anna@example.com",
        "Line 2: 'bob@' is not a valid email address.",
        "Line 4: CARL@example.com is already on line 3.",
    ]


def test_a_pasted_line_with_an_unusable_address_is_an_error_on_that_line():
    guest_list = parse_pasted(
        "Anna Muster, anna@example.com\n"
        "Max Bauer, max(at)example\n"
        "Lea Berg; lea [at] example.com\n"
        "Tom Roth\ttom at example dot com\n"
    )
    assert guest_list.errors == [
        "Line 2: 'max(at)example' is not a valid email address.",
        "Line 3: 'lea [at] example.com' is not a valid email address.",
        "Line 4: 'tom at example dot com' is not a valid email address.",
    ]
    # Nobody is named after the whole line.
    assert [row.name for row in guest_list.valid_rows] == ["Anna Muster"]


def test_a_pasted_name_alone_stays_a_name_only_guest():
    guest_list = parse_pasted("Max Bauer\nMuster, Anna\nMeet at the bar, Kim\n")
    assert not guest_list.errors
    assert [(row.name, row.email) for row in guest_list.rows] == [
        ("Max Bauer", ""),
        ("Muster, Anna", ""),
        ("Meet at the bar, Kim", ""),
    ]


def test_a_csv_email_cell_that_is_not_an_address_is_a_row_error():
    guest_list = parse_csv(io.BytesIO(b"name,email\nMax Bauer,max(at)example\nAnna,\n"))
    assert guest_list.errors == ["Line 2: 'max(at)example' is not a valid email address."]
    assert [row.name for row in guest_list.valid_rows] == ["Anna"]


def test_too_many_pasted_lines_are_refused():
    with pytest.raises(GuestListError):
        parse_pasted("\n".join(f"G{i}" for i in range(1001)))


def test_csv_columns_tags_and_metadata():
    data = (
        b"Name,EMAIL,Tags,Company,Notes\n"
        b'Anna,anna@example.com,"VIP, press",Muster AG,\n'
        b"Leo,leo@example.com,vip|vip|late,,bring a catalogue\n"
    )
    guest_list = parse_csv(io.BytesIO(data))
    anna, leo = guest_list.rows
    assert (anna.name, anna.email, anna.tags, anna.metadata) == (
        "Anna",
        "anna@example.com",
        ["VIP", "press"],
        {"Company": "Muster AG"},
    )
    assert leo.tags == ["vip", "late"]
    assert leo.metadata == {"Notes": "bring a catalogue"}
    assert guest_list.metadata_columns == ["Company", "Notes"]


def test_csv_with_a_bom_semicolons_and_excel_encoding():
    assert parse_csv(io.BytesIO("\ufeffname;email\nAnna;a@example.com\n".encode())).rows[
        0
    ].email == ("a@example.com")
    rows = parse_csv(io.BytesIO("name\tcity\nZoë\tZürich\n".encode("cp1252"))).rows
    assert (rows[0].name, rows[0].metadata) == ("Zoë", {"city": "Zürich"})


def test_csv_row_errors_are_per_row_with_the_file_line():
    data = b"name,email\nAnna,anna@example.com\n\n,\nBob,bob@\nX,x@example.com,extra\n"
    guest_list = parse_csv(io.BytesIO(data))
    assert guest_list.errors == [
        "Line 5: 'bob@' is not a valid email address.",
        "Line 6: 3 cells but the header has 2 columns.",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"city,country\nBasel,CH\n", "at least 'name' or 'email'"),
        (b"name,email,Name\nA,a@example.com,B\n", "appear twice"),
        (b"name,email\n", "no guests"),
        (b"\x00\x01\x02name", "doesn't look like a CSV"),
    ],
)
def test_unusable_files_are_refused_as_a_whole(data, message):
    with pytest.raises(GuestListError, match=message):
        parse_csv(io.BytesIO(data))


def test_big_files_are_refused():
    with pytest.raises(GuestListError, match="larger than 2 MB"):
        parse_csv(io.BytesIO(b"name\n" + b"x" * (2 * 1024 * 1024)))


def test_a_csv_row_obeys_the_metadata_limit_of_the_api():
    """Many columns of a few hundred characters each once stored 1.9 MB with one invite."""
    columns = [f"note {i}" for i in range(40)]
    header = ",".join(["name", "email", *columns])
    row = ",".join(["Anna", "anna@example.com", *(["y" * 400] * 40)])
    small = ",".join(["Bob", "bob@example.com", *(["short"] * 40)])

    guest_list = parse_csv(io.BytesIO(f"{header}\n{row}\n{small}\n".encode()))

    [error] = guest_list.errors
    assert error.startswith("Line 2: metadata is ") and "4,000 bytes" in error
    assert not guest_list.rows[1].errors
