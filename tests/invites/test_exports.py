"""invites/exports.py: the organizer's guest-list CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.http import StreamingHttpResponse
from django.urls import reverse

from invites.exports import ORGANIZER_COLUMNS
from invites.models import Invite
from invites.services import GuestInput, generate_invites, generate_organizer_invites
from portals.models import PortalGroup
from tests.invites.fair import answer, build_fair

pytestmark = pytest.mark.django_db


def export(client, org, event, **query) -> tuple[list[str], list[dict[str, str]]]:
    response = client.get(reverse("invites:guest_list_csv", args=[org.slug, event.slug]), query)
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[arg-type]  # a sync view: never the async iterator
    reader = csv.DictReader(io.StringIO(body))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def by_name(rows):
    return {row["name"] or row["label"]: row for row in rows}


@pytest.fixture
def fair(org, event, portal):
    return build_fair(org, event, portal)


def shared_from_the_start(group):
    PortalGroup.objects.filter(pk=group.pk).update(share_all_invites=True)
    Invite.objects.filter(portal__group=group).update(shared_with_organizer=True)


class TestColumns:
    def test_it_exports_type_window_uses_label_and_the_pending_state(
        self, org, event, group, fair, alice_client
    ):
        shared_from_the_start(group)
        header, rows = export(alice_client, org, event)
        assert header == ORGANIZER_COLUMNS
        rows = by_name(rows)
        accepted = rows["VIP Accepted"]
        assert (accepted["type"], accepted["type_code"], accepted["state"]) == (
            "VIP",
            "vip",
            "accepted",
        )
        assert accepted["window"] == "Thursday preview"
        # In the event's zone (Europe/Zurich), not UTC.
        local = fair.thursday.starts_at.astimezone(event.tz)
        assert accepted["window_starts_at"] == local.strftime("%Y-%m-%d %H:%M:%S")
        assert rows["VIP Waiting"]["state"] == "pending"
        link = rows["Team Nord"]
        assert (link["uses"], link["uses_taken"], link["label"]) == ("3", "2", "Team Nord")
        answer_row = rows["Link Accepted"]
        assert answer_row["via_link"] == fair.invites["link"].public_id
        assert (answer_row["uses"], answer_row["label"]) == ("1", "Team Nord")
        assert rows["Std Declined"]["window"] == "" and rows["Std Declined"]["type"] == "Standard"

    def test_the_organizers_own_invites_have_no_type(self, org, event, alice_client):
        from tests.conftest import give_credits

        give_credits(org, invite=1)
        generate_organizer_invites(event, [GuestInput(name="Press")], method="single")
        _, [row] = export(alice_client, org, event)
        assert (row["type"], row["type_code"], row["window"]) == ("", "", "")
        assert row["link"].startswith(settings.SITE_URL + "/i/")

    def test_it_follows_the_type_and_window_filters(self, org, event, group, fair, alice_client):
        shared_from_the_start(group)
        _, rows = export(alice_client, org, event, window=fair.thursday.public_id)
        assert set(by_name(rows)) == {"VIP Accepted", "VIP Waiting", "Link Accepted"}
        _, rows = export(alice_client, org, event, invite_type=fair.public.public_id)
        assert set(by_name(rows)) == {"Public Accepted"}
        _, rows = export(alice_client, org, event, status="pending")
        assert set(by_name(rows)) == {"VIP Waiting", "Link Waiting"}


class TestMetadata:
    @pytest.fixture
    def guests(self, org, event, group, portal, fair):
        shared_from_the_start(group)
        PortalGroup.objects.filter(pk=group.pk).update(share_all_invites=True)
        generate_invites(
            portal,
            [
                GuestInput(name="Anna", metadata={"Company": "ACME", "seat": {"row": 3, "n": 7}}),
                GuestInput(name="Ben", metadata={"badge": ["press", "vip"], "Company": "Beta"}),
                GuestInput(name="Cleo", metadata={"count": 2, "flag": True, "none": None}),
            ],
            invite_type="public",
            method="paste",
        )

    def test_one_column_per_key_sorted_after_the_fixed_columns(
        self, org, event, guests, alice_client
    ):
        header, rows = export(alice_client, org, event)
        assert header[: len(ORGANIZER_COLUMNS)] == ORGANIZER_COLUMNS
        assert header[len(ORGANIZER_COLUMNS) :] == [
            "metadata.Company",
            "metadata.badge",
            "metadata.count",
            "metadata.flag",
            "metadata.none",
            "metadata.seat",
        ]
        assert "metadata" not in header
        rows = by_name(rows)
        assert rows["Anna"]["metadata.Company"] == "ACME"
        # Nested values as compact JSON; a key a guest lacks is an empty cell.
        assert rows["Anna"]["metadata.seat"] == '{"n":7,"row":3}'
        assert rows["Anna"]["metadata.badge"] == ""
        assert rows["Ben"]["metadata.badge"] == '["press","vip"]'
        assert (rows["Cleo"]["metadata.count"], rows["Cleo"]["metadata.flag"]) == ("2", "true")
        assert rows["Cleo"]["metadata.none"] == ""

    def test_keys_come_from_the_exported_rows_only(self, org, event, guests, alice_client):
        header, _ = export(alice_client, org, event, invite_type=the_type(event, "vip"))
        assert [column for column in header if column.startswith("metadata.")] == []

    def test_the_keys_of_guests_the_organizer_cannot_see_are_not_exported(
        self, org, event, group, portal, fair, alice_client
    ):
        private = generate_invites(
            portal,
            [GuestInput(name="Hidden", metadata={"secret-key": "x"})],
            invite_type="public",
            method="single",
        ).invites.get()
        header, rows = export(alice_client, org, event)
        assert "metadata.secret-key" not in header and "Hidden" not in by_name(rows)
        # Once the guest accepts, the organizer sees them, and their metadata.
        answer(private, Invite.Status.ACCEPTED, window=fair.friday)
        header, rows = export(alice_client, org, event)
        assert by_name(rows)["Hidden"]["metadata.secret-key"] == "x"

    def test_cells_and_metadata_are_spreadsheet_safe(self, org, event, portal, fair, alice_client):
        generate_invites(
            portal,
            [
                GuestInput(
                    name='=HYPERLINK("http://evil")',
                    label="+label",
                    metadata={"note": "=1+2", "@cmd": "-5", "list": ["=x"]},
                )
            ],
            invite_type="public",
            method="single",
        )
        Invite.objects.filter(guest_name__startswith="=").update(status=Invite.Status.ACCEPTED)
        header, rows = export(alice_client, org, event)
        [row] = [row for row in rows if row["name"].startswith("'=")]
        assert row["name"] == '\'=HYPERLINK("http://evil")'
        assert row["label"] == "'+label"
        assert row["metadata.note"] == "'=1+2"
        assert row["metadata.@cmd"] == "'-5"
        assert row["metadata.list"] == '["=x"]'
        assert "metadata.@cmd" in header

    def test_an_empty_export_has_the_header_only(self, org, event, alice_client):
        header, rows = export(alice_client, org, event)
        assert header == ORGANIZER_COLUMNS and rows == []


def the_type(event, code: str) -> str:
    from portals.models import InviteType

    return InviteType.objects.get(group__event=event, code=code).public_id


def test_charlie_gets_404_on_the_export(org, event, fair, charlie_client, other_org):
    response = charlie_client.get(reverse("invites:guest_list_csv", args=[org.slug, event.slug]))
    assert response.status_code == 404
    response = charlie_client.get(
        reverse("invites:guest_list_csv", args=[other_org.slug, event.slug])
    )
    assert response.status_code == 404


def test_the_exports_queries_do_not_grow_with_its_rows(
    org, event, alice_client, make_invites, django_assert_max_num_queries
):
    make_invites(3, metadata={"seat": "A1"}, tags=["vip"])
    with django_assert_max_num_queries(40) as few:
        _, rows = export(alice_client, org, event)
    assert len(rows) == 3
    # Past the 2,000 rows a database fetch reads at once, and past a streamed piece.
    make_invites(2_100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        header, rows = export(alice_client, org, event)
    assert len(rows) == 2_103 and "metadata.seat" in header
    tagged = [row for row in rows if row["tags"]]
    assert [(row["tags"], row["metadata.seat"]) for row in tagged] == [("vip", "A1")] * 3


def test_a_guests_formula_name_and_negative_looking_cells_stay_text(
    org, event, alice_client, make_invites
):
    make_invites(1, names=["=1+2"], label="-5", tags=["@x", "ok"], metadata={"n": -3})
    _, rows = export(alice_client, org, event)
    (row,) = rows
    assert (row["name"], row["label"], row["tags"], row["metadata.n"]) == (
        "'=1+2",
        "'-5",
        "'@x, ok",
        "'-3",
    )
