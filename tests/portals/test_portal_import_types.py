"""The portal CSV's allocation_<code> columns: one per invite type of the group."""

from __future__ import annotations

import base64

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portals.csv_import import parse_portal_csv
from portals.invite_types import TypeSettings, create_invite_type
from portals.models import Portal
from portals.services import live_types


def with_types(group):
    create_invite_type(
        group, settings=TypeSettings(name="VIP Preview", code="vip-preview", default_allocation=2)
    )
    return live_types(group)


def parse(group, text: str):
    return parse_portal_csv(
        text.encode(), default_allocation=20, taken=set(), invite_types=live_types(group)
    )


def test_each_type_has_its_column_in_any_case(group) -> None:
    with_types(group)

    parsed = parse(
        group, "name,Allocation_VIP-Preview,allocation_standard\nGalerie Nord,5,12\nAalto,,\n"
    )

    assert parsed.is_valid, (parsed.errors, [r.errors for r in parsed.rows])
    assert [row.portal_row().allocations for row in parsed.rows] == [
        {"vip-preview": 5, "standard": 12},
        {},
    ]
    shown = [(s.type_name, s.text, s.is_default) for s in parsed.rows[1].shown_allocations]
    assert shown == [("Standard", "20", True), ("VIP Preview", "2", True)]


def test_an_unknown_allocation_column_names_the_known_ones(group) -> None:
    with_types(group)

    parsed = parse(group, "name,allocation_gold\nGalerie Nord,5\n")

    assert not parsed.is_valid
    assert "allocation_gold" in parsed.errors[0]
    assert "allocation_standard, allocation_vip-preview" in parsed.errors[0]


def test_a_bad_value_is_an_error_of_its_row(group) -> None:
    with_types(group)

    parsed = parse(group, "name,allocation_vip-preview\nGalerie Nord,five\nAalto,3\n")

    assert not parsed.is_valid and not parsed.errors
    assert parsed.rows[0].errors == [
        "The VIP Preview allocation must be a whole number, 0 or more (found “five”)."
    ]
    assert parsed.rows[1].ok


def test_importing_creates_the_sizes_per_type(alice_client, org, group) -> None:
    with_types(group)
    data = b"name,allocation_vip-preview,contact_email\nGalerie Nord,7,\nStudio Aalto,,\n"

    preview = alice_client.post(
        reverse("portals:portal_import", args=[org.slug, group.public_id]),
        {"file": SimpleUploadedFile("p.csv", data, "text/csv")},
    )
    assert "VIP Preview 7" in preview.content.decode()
    alice_client.post(
        reverse("portals:portal_import_confirm", args=[org.slug, group.public_id]),
        {"content": base64.b64encode(data).decode(), "filename": "p.csv"},
    )

    sizes = {
        portal.name: dict(portal.allocations.values_list("invite_type__code", "size"))
        for portal in Portal.objects.filter(group=group)
    }
    assert sizes == {
        "Galerie Nord": {"standard": 20, "vip-preview": 7},
        "Studio Aalto": {"standard": 20, "vip-preview": 2},
    }


def test_the_import_page_and_template_document_the_groups_columns(alice_client, org, group) -> None:
    with_types(group)

    page = alice_client.get(reverse("portals:portal_import", args=[org.slug, group.public_id]))
    assert "allocation_vip-preview" in page.content.decode()
    template = alice_client.get(
        reverse("portals:portal_import_template", args=[org.slug, group.public_id])
    )
    header = b"".join(template.streaming_content if template.streaming else [template.content])
    assert b"name,allocation_standard,allocation_vip-preview,contact_email" in header


def test_a_group_of_one_type_keeps_its_plain_allocation_column(alice_client, org, group) -> None:
    page = alice_client.get(reverse("portals:portal_import", args=[org.slug, group.public_id]))
    assert "allocation_standard" not in page.content.decode()
    parsed = parse(group, "name,allocation\nGalerie Nord,5\n")
    assert parsed.is_valid and parsed.rows[0].allocation == 5
