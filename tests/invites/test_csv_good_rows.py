"""A guest CSV with bad rows: import the valid ones, skip the others, download them
with their errors (the pages' choice: the API still refuses a batch with a bad guest)."""

from __future__ import annotations

import csv
import html
import io
import threading

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from invites.models import Invite
from portals.owner_sessions import SESSION_KEY
from tests.conftest import give_credits
from tests.invites.helpers import assign, balance, owner_client

pytestmark = pytest.mark.django_db

# 10 guests, 2 of them bad: an address that is not one, and an address twice.
GUESTS = (
    "name,email,Company\n"
    + "".join(f"Guest {n},guest{n}@example.com,Firm {n}\n" for n in range(1, 9))
    + "Max Bauer,max(at)example,=cmd\n"
    + "Copy,GUEST1@example.com,\n"
)


def organizer_url(org, event) -> str:
    return reverse("invites:organizer_generate", args=[org.slug, event.slug])


def upload(client: Client, url: str, content: str = GUESTS, submission: str = "csv-1"):
    return client.post(
        url,
        {
            "method": "csv",
            "csv-submission": submission,
            "csv-file": SimpleUploadedFile("guests.csv", content.encode(), "text/csv"),
            "csv-plus_ones": "0",
        },
    )


def confirm(client: Client, url: str, submission: str = "csv-1"):
    return client.post(url, {"method": "csv-confirm", "preview": submission})


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_preview_offers_the_8_valid_rows_and_says_what_they_cost(org, event, alice_client):
    give_credits(org, invite=100)

    response = upload(alice_client, organizer_url(org, event))

    page = text(response)
    assert "2 rows need fixing." in page
    assert "Import the 8 valid rows, skip 2" in page
    assert "Creates 8 invites and uses 8 invite credits." in page
    assert "The 2 skipped rows create nothing and cost nothing." in page
    assert "Download the 2 skipped rows" in page
    assert "Fix and upload again" in page
    assert Invite.objects.count() == 0 and balance(org) == 100


def test_importing_the_valid_rows_creates_8_invites_for_8_credits(org, event, alice_client):
    give_credits(org, invite=100)
    url = organizer_url(org, event)
    upload(alice_client, url)

    response = confirm(alice_client, url)

    assert response.status_code == 302
    assert Invite.objects.count() == 8 and balance(org) == 92
    assert not Invite.objects.filter(guest_name__in=["Max Bauer", "Copy"]).exists()
    shown = [str(message) for message in response.wsgi_request._messages]
    assert "2 rows with problems were skipped: fix them and upload them again." in shown
    # A second confirmation (a double click, the back button) adds nothing.
    assert confirm(alice_client, url).status_code == 302
    assert Invite.objects.count() == 8 and balance(org) == 92


def test_the_skipped_rows_download_with_their_errors(org, event, alice_client):
    give_credits(org, invite=100)
    url = organizer_url(org, event)
    upload(alice_client, url)

    response = alice_client.get(url, {"skipped": "csv-1"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["name", "email", "Company", "error"],
        # Spreadsheet-safe: the formula a stranger typed is shown as text.
        ["Max Bauer", "max(at)example", "'=cmd", "'max(at)example' is not a valid email address."],
        ["Copy", "GUEST1@example.com", "", "GUEST1@example.com is already on line 2."],
    ]
    # Still there once the valid rows are imported.
    confirm(alice_client, url)
    assert alice_client.get(url, {"skipped": "csv-1"}).status_code == 200


def test_an_unknown_preview_has_no_skipped_rows(org, event, alice_client):
    assert alice_client.get(organizer_url(org, event), {"skipped": "nope"}).status_code == 404


def test_another_organization_cannot_download_the_skipped_rows(org, event, charlie_client):
    response = charlie_client.get(organizer_url(org, event), {"skipped": "csv-1"})
    assert response.status_code == 404


def test_a_portal_owner_imports_the_valid_rows_within_the_allocation(org, portal):
    give_credits(org, invite=100)
    owned = assign(portal)
    browser = owner_client(owned)
    url = reverse("owner:add_invites", args=[owned.public_id])

    page = text(upload(browser, url))
    assert "Creates 8 invites from your allocation." in page
    assert browser.get(url, {"skipped": "csv-1"}).status_code == 200

    assert confirm(browser, url).status_code == 302
    assert Invite.objects.filter(portal=owned).count() == 8 and balance(org) == 92


def test_the_skipped_rows_of_one_portal_are_not_another_portals(org, portal, other_portal):
    give_credits(org, invite=100)
    owned, other = assign(portal), assign(other_portal, "other@example.com")
    browser = owner_client(owned)
    upload(browser, reverse("owner:add_invites", args=[owned.public_id]))
    # The same browser, signed in to a second portal too.
    session = browser.session
    session[SESSION_KEY] = {**session[SESSION_KEY], other.public_id: other.owner_email}
    session.save()

    response = browser.get(
        reverse("owner:add_invites", args=[other.public_id]), {"skipped": "csv-1"}
    )

    assert response.status_code == 404


def test_a_file_with_only_bad_rows_offers_nothing_to_import(org, event, alice_client):
    give_credits(org, invite=100)

    response = upload(alice_client, organizer_url(org, event), "name,email\nMax,max(at)example\n")

    page = text(response)
    assert response.status_code == 422
    assert "Nothing has been created. Correct the file and upload it again." in page
    assert "Import the" not in page
    assert confirm(alice_client, organizer_url(org, event)).status_code == 302
    assert Invite.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_import_the_valid_rows_once(org, event, alice):
    give_credits(org, invite=100)
    url = organizer_url(org, event)
    first = Client()
    first.force_login(alice)
    upload(first, url)
    second = Client()
    second.cookies[settings.SESSION_COOKIE_NAME] = first.cookies[settings.SESSION_COOKIE_NAME].value
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def run(client: Client) -> None:
        try:
            barrier.wait()
            statuses.append(confirm(client, url).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(client,)) for client in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302, 302]
    assert Invite.objects.count() == 8 and balance(org) == 92
