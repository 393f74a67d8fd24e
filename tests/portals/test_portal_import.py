from __future__ import annotations

import base64
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from credits.models import CreditEntry
from portals import errors, services
from portals.csv_import import MAX_BYTES, parse_portal_csv
from portals.models import Portal
from tests.conftest import give_credits

GOOD_CSV = (
    "name,allocation,contact_email\n"
    "Galerie Nord,15,hello@galerie-nord.example\n"
    "Studio Aalto,,\n"
    '"Maison Pérot, Paris",5,contact@perot.example\n'
)
BAD_CSV = (
    "name,allocation,contact_email\n"
    "Galerie Nord,15,hello@galerie-nord.example\n"
    ",4,nameless@example.com\n"
    "Studio Aalto,ten,mia@aalto.example\n"
    "Kunsthalle West,3,not-an-email\n"
    "galerie nord,2,\n"
)


def parse(text: str | bytes, *, taken: set[str] | None = None, default: int = 20):
    data = text.encode() if isinstance(text, str) else text
    return parse_portal_csv(data, default_allocation=default, taken=taken or set())


# --- Reading the file ----------------------------------------------------------


def test_a_good_file_reads_every_row():
    parsed = parse(GOOD_CSV)
    assert parsed.is_valid
    assert [(r.number, r.name, r.allocation, r.contact_email) for r in parsed.rows] == [
        (2, "Galerie Nord", 15, "hello@galerie-nord.example"),
        (3, "Studio Aalto", None, ""),
        (4, "Maison Pérot, Paris", 5, "contact@perot.example"),
    ]


def test_excel_files_with_a_bom_and_semicolons_are_read():
    data = "\ufeffName;Contact email;Allocation\r\nGalerie Nord;a@nord.example;7\r\n".encode()
    parsed = parse(data)
    assert parsed.is_valid
    assert parsed.delimiter == ";"
    [row] = parsed.rows
    assert (row.name, row.allocation, row.contact_email) == ("Galerie Nord", 7, "a@nord.example")


def test_a_name_only_file_is_enough():
    parsed = parse("name\nGalerie Nord\n\n   \nStudio Aalto\n")
    assert parsed.is_valid
    assert [r.name for r in parsed.rows] == ["Galerie Nord", "Studio Aalto"]
    assert all(r.allocation is None for r in parsed.rows)


def test_unknown_columns_are_ignored_and_named():
    parsed = parse("name,city,allocation\nGalerie Nord,Basel,3\n")
    assert parsed.is_valid
    assert parsed.ignored_columns == ["city"]


def test_every_bad_row_gets_its_own_errors():
    parsed = parse(BAD_CSV, taken=set())
    errors = {row.number: row.errors for row in parsed.rows}
    assert not parsed.is_valid
    assert errors[2] == []
    assert errors[3] == ["The name is missing."]
    assert errors[4] == ["The allocation must be a whole number, 0 or more (found “ten”)."]
    assert errors[5] == ["“not-an-email” is not a valid email address."]
    assert errors[6] == ["Same name as row 2: each portal needs its own name."]
    assert len(parsed.bad_rows) == 4


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("-5", "whole number, 0 or more"),
        ("2.5", "whole number, 0 or more"),
        ("٣", "whole number, 0 or more"),  # an Arabic-Indic digit is not an allocation
        ("100001", "at most 100,000"),
    ],
)
def test_allocations_must_be_sensible_whole_numbers(cell, message):
    [row] = parse(f"name,allocation\nGalerie Nord,{cell}\n").rows
    assert message in row.errors[0]


def test_existing_names_in_the_group_are_refused():
    [row] = parse("name\nGALERIE NORD\n", taken={"galerie nord"}).rows
    assert row.errors == ["This group already has a portal with this name."]


def test_a_row_with_more_cells_than_the_header_is_refused():
    [row] = parse("name,allocation\nGalerie, Nord,4\n").rows
    assert "3 cells but the header has 2 columns" in row.errors[0]


def test_control_characters_in_a_name_are_refused():
    [row] = parse("name\nGalerie\x07Nord\n").rows
    assert row.errors == ["The name contains invisible control characters."]


def test_a_too_long_name_is_refused():
    [row] = parse("name\n" + "x" * 161 + "\n").rows
    assert row.errors == ["The name is longer than 160 characters."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"name,allocation\n", "a header but no portals"),
        (b"Galerie Nord,10,a@b.example\n", "The first row must be a header"),
        (b"name,name\nA,B\n", "names a column twice: name"),
        ("name\nGalerie Pérot\n".encode("latin-1"), "not UTF-8"),
        (b"name\n" + b"x" * MAX_BYTES, "the limit is 1 MB"),
        (b"name\nA\x00B\n", "binary data: is it an Excel workbook?"),
        (b"name\n" + b"x" * 200_000 + b"\n", "could not be read as CSV"),
    ],
)
def test_problems_with_the_whole_file_are_reported(data, message):
    parsed = parse(data)
    assert not parsed.is_valid
    assert message in " ".join(parsed.errors)


def test_up_to_2000_rows_are_accepted_and_more_are_refused():
    rows = "".join(f"Gallery {n}\n" for n in range(2000))
    assert parse("name\n" + rows).is_valid
    too_many = parse("name\n" + rows + "One more\n")
    assert not too_many.is_valid
    assert "more than 2,000 portals" in too_many.errors[0]


# --- Upload, preview, confirm ---------------------------------------------------


def upload(client, org, group, data: str | bytes, name="exhibitors.csv"):
    content = data.encode() if isinstance(data, str) else data
    return client.post(
        reverse("portals:portal_import", args=[org.slug, group.public_id]),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def confirm(client, org, group, data: str | bytes, **extra):
    content = data.encode() if isinstance(data, str) else data
    return client.post(
        reverse("portals:portal_import_confirm", args=[org.slug, group.public_id]),
        {"content": base64.b64encode(content).decode(), "filename": "exhibitors.csv", **extra},
    )


def test_the_preview_lists_every_row_and_saves_nothing(alice_client, org, group):
    response = upload(alice_client, org, group, GOOD_CSV)

    assert response.status_code == 200
    page = response.content.decode()
    for name in ("Galerie Nord", "Studio Aalto", "Maison Pérot, Paris"):
        assert name in page
    assert "20 <small" in page  # Studio Aalto gets the group's default
    assert "Create 3 portals" in page
    assert reverse("portals:portal_import_confirm", args=[org.slug, group.public_id]) in page
    assert Portal.objects.filter(group=group).count() == 0


def test_a_file_with_bad_rows_shows_them_and_offers_only_its_valid_rows(alice_client, org, group):
    response = upload(alice_client, org, group, BAD_CSV)

    page = response.content.decode()
    assert response.status_code == 200
    assert "4 of 5 rows have problems" in page
    assert "The name is missing." in page
    assert "found “ten”" in page
    assert "“not-an-email” is not a valid email address." in page
    assert "Same name as row 2" in page
    assert "Import the 1 valid row, skip 4" in page
    assert "Create 5 portals" not in page
    assert Portal.objects.filter(group=group).count() == 0


def test_a_file_whose_rows_are_all_bad_cannot_be_confirmed(alice_client, org, group):
    response = upload(alice_client, org, group, "name,allocation\n,3\nStudio,ten\n")

    page = response.content.decode()
    assert "2 of 2 rows have problems" in page
    assert response.context["confirm_form"] is None
    assert reverse("portals:portal_import_confirm", args=[org.slug, group.public_id]) not in page


def test_confirming_a_bad_file_is_refused_and_changes_nothing(alice_client, org, group, portal):
    response = confirm(alice_client, org, group, BAD_CSV)

    assert response.status_code == 200
    assert "have problems" in response.content.decode()
    assert list(Portal.objects.filter(group=group)) == [portal]


def test_confirming_a_good_file_creates_every_portal_and_uses_no_credit(alice_client, org, group):
    give_credits(org, portal=1, invite=1)
    entries = CreditEntry.objects.count()

    response = confirm(alice_client, org, group, GOOD_CSV)

    assert response["Location"] == reverse("portals:group_detail", args=[org.slug, group.public_id])
    portals = {p.name: p for p in Portal.objects.filter(group=group)}
    assert sorted(portals) == ["Galerie Nord", "Maison Pérot, Paris", "Studio Aalto"]
    assert portals["Galerie Nord"].allocation == 15
    assert portals["Studio Aalto"].allocation == 20
    assert portals["Maison Pérot, Paris"].contact_email == "contact@perot.example"
    assert {p.status for p in portals.values()} == {Portal.Status.UNASSIGNED}
    assert len({p.token for p in portals.values()}) == 3
    assert all(p.organization_id == org.pk for p in portals.values())
    assert CreditEntry.objects.count() == entries
    follow = alice_client.get(response["Location"]).content.decode()
    assert "3 portals created" in follow


def test_confirm_checks_the_file_again(alice_client, org, group):
    """A portal added between preview and confirm makes the file a duplicate."""
    upload(alice_client, org, group, GOOD_CSV)
    services.create_portal(group, name="Studio Aalto")

    response = confirm(alice_client, org, group, GOOD_CSV)

    assert response.status_code == 200
    assert "This group already has a portal with this name." in response.content.decode()
    assert list(Portal.objects.filter(group=group).values_list("name", flat=True)) == [
        "Studio Aalto"
    ]


def test_importing_the_same_file_twice_is_refused(alice_client, org, group):
    confirm(alice_client, org, group, GOOD_CSV)
    response = upload(alice_client, org, group, GOOD_CSV)
    assert response.context["confirm_form"] is None
    assert Portal.objects.filter(group=group).count() == 3


def test_damaged_confirm_content_is_refused(alice_client, org, group):
    response = alice_client.post(
        reverse("portals:portal_import_confirm", args=[org.slug, group.public_id]),
        {"content": "%%% not base64 %%%"},
        follow=True,
    )
    assert "damaged on the way" in response.content.decode()
    assert Portal.objects.filter(group=group).count() == 0


def test_a_file_over_1_mb_is_refused_next_to_the_field(alice_client, org, group):
    response = upload(alice_client, org, group, b"name\n" + b"x" * MAX_BYTES)
    assert response.status_code == 200
    assert "the limit is 1 MB" in " ".join(response.context["form"].errors["file"])
    assert Portal.objects.filter(group=group).count() == 0


def test_too_many_rows_are_refused_next_to_the_field(alice_client, org, group):
    rows = "".join(f"Gallery {n}\n" for n in range(2001))
    response = upload(alice_client, org, group, "name\n" + rows)
    assert "more than 2,000 portals" in " ".join(response.context["form"].errors["file"])
    assert Portal.objects.filter(group=group).count() == 0


def test_a_file_without_header_is_refused_next_to_the_field(alice_client, org, group):
    response = upload(alice_client, org, group, "Galerie Nord,10,a@b.example\n")
    assert "The first row must be a header" in " ".join(response.context["form"].errors["file"])


def test_2000_portals_import_in_one_go(alice_client, org, group, django_assert_max_num_queries):
    data = "name,allocation\n" + "".join(f"Gallery {n},{n % 7}\n" for n in range(2000))
    # One bulk insert (SQLite splits it into batches of its variable limit), not 2000.
    with django_assert_max_num_queries(60):
        response = confirm(alice_client, org, group, data)
    assert response.status_code == 302
    assert Portal.objects.filter(group=group).count() == 2000


def test_the_template_download_is_a_ready_to_fill_csv(alice_client, org, group):
    response = alice_client.get(
        reverse("portals:portal_import_template", args=[org.slug, group.public_id])
    )
    assert response["Content-Type"].startswith("text/csv")
    parsed = parse(response.content)
    assert parsed.is_valid
    assert parsed.rows[0].allocation == 20


def test_the_service_imports_all_or_nothing(group, portal):
    rows = [services.PortalRow(name="New One"), services.PortalRow(name="galerie NORD")]
    with pytest.raises(errors.DuplicatePortalName) as refused:
        services.import_portals(group, rows)
    assert refused.value.names == ["galerie NORD"]
    assert list(Portal.objects.filter(group=group)) == [portal]


# --- Races (PostgreSQL) --------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_file_at_once_create_it_once(group):
    rows = [services.PortalRow(name=f"Gallery {n}") for n in range(50)]
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def import_file() -> None:
        try:
            barrier.wait()
            services.import_portals(group, rows)
            outcomes.append("imported")
        except errors.DuplicatePortalName:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=import_file) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["imported", "refused", "refused", "refused"]
    assert Portal.objects.filter(group=group).count() == 50
