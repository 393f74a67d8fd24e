"""Importing the valid rows of a portal CSV with bad rows, and downloading the skipped ones."""

from __future__ import annotations

import base64
import csv
import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from credits.models import CreditEntry
from portals.models import Portal

# 10 rows, 2 of them bad: a name missing, an address that is not one.
GOOD_AND_BAD = (
    "name,allocation,contact_email\n"
    + "".join(f"Gallery {n},{n},gallery{n}@example.com\n" for n in range(1, 9))
    + (',4,nameless@example.com\nKunsthalle West,3,"=HYPERLINK(""x"")"\n')
)


def confirm_url(org, group) -> str:
    return reverse("portals:portal_import_confirm", args=[org.slug, group.public_id])


def post_file(client: Client, url: str, **extra: str):
    return client.post(
        url,
        {"content": base64.b64encode(GOOD_AND_BAD.encode()).decode(), "filename": "x.csv", **extra},
    )


def test_the_preview_offers_to_import_the_8_valid_rows_and_skip_2(alice_client, org, group):
    response = alice_client.post(
        reverse("portals:portal_import", args=[org.slug, group.public_id]),
        {"file": SimpleUploadedFile("x.csv", GOOD_AND_BAD.encode(), "text/csv")},
    )
    page = response.content.decode()
    assert "2 of 10 rows have problems" in page
    assert "Import the 8 valid rows, skip 2" in page
    assert "Download the 2 skipped rows" in page
    assert "Fix and upload again" in page
    assert Portal.objects.filter(group=group).count() == 0


def test_importing_the_valid_rows_creates_8_portals_and_uses_no_credit(alice_client, org, group):
    entries = CreditEntry.objects.count()

    response = post_file(alice_client, confirm_url(org, group), skip_bad="1")

    assert response.status_code == 302
    names = sorted(Portal.objects.filter(group=group).values_list("name", flat=True))
    assert names == [f"Gallery {n}" for n in range(1, 9)]
    assert CreditEntry.objects.count() == entries
    shown = [str(m) for m in response.wsgi_request._messages]
    assert "8 portals created. Copy their links or email them to their contacts." in shown
    assert "2 rows with problems were skipped: fix them and import them again." in shown


def test_confirming_without_choosing_to_skip_still_imports_nothing(alice_client, org, group):
    response = post_file(alice_client, confirm_url(org, group))

    assert response.status_code == 200
    assert Portal.objects.filter(group=group).count() == 0


def test_the_skipped_rows_download_with_their_errors(alice_client, org, group):
    response = post_file(
        alice_client, reverse("portals:portal_import_skipped", args=[org.slug, group.public_id])
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["name", "allocation", "contact_email", "error"],
        ["", "4", "nameless@example.com", "The name is missing."],
        [
            "Kunsthalle West",
            "3",
            # Spreadsheet-safe: the formula is shown as text.
            '\'=HYPERLINK("x")',
            '“=HYPERLINK("x")” is not a valid email address.',
        ],
    ]
    assert Portal.objects.filter(group=group).count() == 0


def test_another_organization_cannot_download_the_skipped_rows(charlie_client, org, group):
    response = post_file(
        charlie_client, reverse("portals:portal_import_skipped", args=[org.slug, group.public_id])
    )
    assert response.status_code == 404


def test_another_organization_cannot_import_the_valid_rows(charlie_client, org, group):
    response = post_file(charlie_client, confirm_url(org, group), skip_bad="1")
    assert response.status_code == 404
    assert Portal.objects.filter(group=group).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_of_the_valid_rows_at_once_import_them_once(org, group, alice):
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def confirm() -> None:
        client = Client()
        client.force_login(alice)
        try:
            barrier.wait()
            statuses.append(post_file(client, confirm_url(org, group), skip_bad="1").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # One imports (a redirect), the other finds every valid name taken (the preview again).
    assert sorted(statuses) == [200, 302]
    assert Portal.objects.filter(group=group).count() == 8
