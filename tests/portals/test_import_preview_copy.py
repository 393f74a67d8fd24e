"""The import previews count in words a person would use: "1 portal", "1 guest"."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import give_credits

pytestmark = pytest.mark.django_db


def test_a_one_row_portal_file_is_counted_in_the_singular(alice_client, org, group):
    data = b"name,allocation,contact_email\nGalerie Nord,15,hello@galerie-nord.example\n"
    response = alice_client.post(
        reverse("portals:portal_import", args=[org.slug, group.public_id]),
        {"file": SimpleUploadedFile("one.csv", data, "text/csv")},
    )

    page = response.content.decode()
    assert "1 portal for Exhibitors, Spring Fair" in page
    assert "The row looks right." in page
    assert "Create 1 portal<" in page
    assert "1 portals" not in page and "1 rows" not in page


def test_a_one_row_guest_file_is_counted_in_the_singular(alice_client, org, event):
    give_credits(org, invite=1)
    response = alice_client.post(
        reverse("invites:organizer_generate", args=[org.slug, event.slug]),
        {
            "method": "csv",
            "csv-submission": "one-row",
            "csv-file": SimpleUploadedFile("one.csv", b"name,email\nAda,ada@example.com\n"),
            "csv-plus_ones": "1",
        },
    )

    page = response.content.decode()
    assert "1 guest in the file" in page
    assert "1 plus-one per invite" in page
    assert "you have 1 invite credit." in page
    assert "Create 1 invite<" in page
