"""Who arrived, where invites show it (door/arrivals.py through invites/hooks.py): the
organizer's guest list and CSV, the portal owner's dashboard and CSV."""

from __future__ import annotations

import csv
import html
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from door.checkins import check_in, undo
from door.walk_ins import add_walk_in
from events.models import Event
from invites.exports import ORGANIZER_COLUMNS, PORTAL_COLUMNS
from invites.models import Invite
from portals.models import Portal, PortalGroup
from tests.door.helpers import accepted_guest
from tests.invites.helpers import assign, owner_client

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def csv_rows(response) -> tuple[list[str], list[dict[str, str]]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(body))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def guest_list(org, event) -> str:
    return reverse("invites:guest_list", args=[org.slug, event.slug])


def guest_csv(org, event) -> str:
    return reverse("invites:guest_list_csv", args=[org.slug, event.slug])


@pytest.fixture
def one_day(event) -> Event:
    """The event on one day: times are shown without the day."""
    noon = event.starts_at.astimezone(event.tz).replace(hour=12, minute=0)
    Event.objects.filter(pk=event.pk).update(starts_at=noon, ends_at=noon + timedelta(hours=6))
    event.refresh_from_db()
    return event


@pytest.fixture
def owned(portal) -> Portal:
    PortalGroup.objects.filter(pk=portal.group_id).update(share_all_invites=True)
    return assign(portal)


def arrive(event, code, alice, *, people=1, minutes_ago=0):
    return check_in(
        event,
        code,
        staff=alice,
        people=people,
        scanned_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


# --- The organizer's guest list and CSV --------------------------------------------------------


def test_the_guest_list_shows_when_a_party_arrived_and_how_many_are_in(
    org, one_day, alice, alice_client
):
    _invite, code = accepted_guest(one_day, plus_ones=2, name="Ada Lovelace")
    accepted_guest(one_day, name="Bea Waiting", email="bea@example.com")
    first = arrive(one_day, code, alice, people=2, minutes_ago=30)

    page = text(alice_client.get(guest_list(org, one_day)))

    local = first.admitted[0].scanned_at.astimezone(one_day.tz)
    assert f"Arrived {local:%H:%M} (2 of 3)" in page
    assert page.count("Arrived ") == 1


def test_the_time_is_the_first_check_in_still_in_force(org, one_day, alice, alice_client):
    _invite, code = accepted_guest(one_day, plus_ones=1)
    [early] = arrive(one_day, code, alice, minutes_ago=50).admitted
    undo(early, staff=alice)
    later = arrive(one_day, code, alice, minutes_ago=10).admitted[0]

    page = text(alice_client.get(guest_list(org, one_day)))

    assert f"Arrived {later.scanned_at.astimezone(one_day.tz):%H:%M} (1 of 2)" in page
    _header, [row] = csv_rows(alice_client.get(guest_csv(org, one_day)))
    assert row["people_in"] == "1"
    assert row["checked_in_at"] == (
        later.scanned_at.astimezone(one_day.tz).replace(tzinfo=None, microsecond=0).isoformat(" ")
    )


def test_a_several_day_event_shows_the_day_too(org, event, alice, alice_client):
    _invite, code = accepted_guest(event)
    [row] = arrive(event, code, alice).admitted

    page = text(alice_client.get(guest_list(org, event)))

    local = row.scanned_at.astimezone(event.tz)
    assert f"Arrived {local:%a} {local.day} {local:%b}, {local:%H:%M} (1 of 1)" in page


def test_the_csv_has_checked_in_time_and_people_in_for_every_guest(
    org, one_day, alice, alice_client
):
    _invite, code = accepted_guest(one_day, plus_ones=1, name="Ada Lovelace")
    accepted_guest(one_day, name="Bea Waiting", email="bea@example.com")
    arrive(one_day, code, alice, people=2)

    header, rows = csv_rows(alice_client.get(guest_csv(org, one_day)))

    assert header[: len(ORGANIZER_COLUMNS)] == ORGANIZER_COLUMNS
    assert {"checked_in_at", "people_in"} <= set(header)
    by_name = {row["name"]: row for row in rows}
    assert by_name["Ada Lovelace"]["people_in"] == "2"
    assert by_name["Ada Lovelace"]["checked_in_at"]
    assert by_name["Bea Waiting"]["people_in"] == "0"
    assert by_name["Bea Waiting"]["checked_in_at"] == ""


def test_walk_ins_show_as_walk_ins_in_the_list_the_filter_and_the_csv(
    org, one_day, alice, alice_client
):
    accepted_guest(one_day, name="Ada Invited")
    add_walk_in(one_day, name="Wanda Walker", party=2, staff=alice)

    page = text(alice_client.get(guest_list(org, one_day)))
    walk_ins = alice_client.get(guest_list(org, one_day), {"source": "walk_in"})
    organizer = alice_client.get(guest_list(org, one_day), {"source": "organizer"})

    assert "Walk-in" in page and "(2 of 2)" in page
    assert [row["invite"].guest_name for row in walk_ins.context["rows"]] == ["Wanda Walker"]
    assert [row["invite"].guest_name for row in organizer.context["rows"]] == ["Ada Invited"]
    _header, rows = csv_rows(alice_client.get(guest_csv(org, one_day)))
    sources = {row["name"]: (row["source"], row["people_in"]) for row in rows}
    assert sources == {"Wanda Walker": ("Walk-in", "2"), "Ada Invited": ("Organizer", "0")}


def test_the_guest_lists_queries_do_not_grow_with_arrivals(
    org, one_day, alice, alice_client, django_assert_max_num_queries
):
    _invite, code = accepted_guest(one_day)
    arrive(one_day, code, alice)
    with django_assert_max_num_queries(40) as few:
        alice_client.get(guest_list(org, one_day))
    for n in range(15):
        _invite, code = accepted_guest(one_day, plus_ones=1, email=f"g{n}@example.com")
        arrive(one_day, code, alice, people=2)
        add_walk_in(one_day, name=f"Walker {n}", staff=alice)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = alice_client.get(guest_list(org, one_day))

    assert text(response).count("Arrived ") == 31


def test_charlie_cannot_see_alices_arrivals(org, one_day, alice, charlie_client):
    _invite, code = accepted_guest(one_day)
    arrive(one_day, code, alice)

    assert charlie_client.get(guest_list(org, one_day)).status_code == 404
    assert charlie_client.get(guest_csv(org, one_day)).status_code == 404


# --- The portal owner's dashboard and CSV ------------------------------------------------------


def test_the_owner_sees_which_of_their_guests_arrived_and_the_count(
    one_day, owned, other_portal, alice
):
    _ours, our_code = accepted_guest(one_day, portal=owned, plus_ones=2, name="Our Guest")
    accepted_guest(one_day, portal=owned, name="Our Late Guest", email="late@example.com")
    _organizers, organizers_code = accepted_guest(
        one_day, name="Organizer Guest", email="org@example.com"
    )
    arrive(one_day, our_code, alice, people=2)
    arrive(one_day, organizers_code, alice)
    add_walk_in(one_day, name="Wanda Walker", staff=alice)

    response = owner_client(owned).get(reverse("owner:dashboard", args=[owned.public_id]))

    page = text(response)
    assert "1 of 2 accepted guests arrived" in page
    assert "(2 of 3)" in page
    # Only its own guests: the organizer's guest and the walk-in are not the portal's.
    assert page.count("Arrived ") == 1
    assert "Organizer Guest" not in page and "Wanda Walker" not in page


def test_the_owners_count_refreshes_while_the_event_is_on(owned, event, alice):
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=5)
    )
    _ours, code = accepted_guest(event, portal=owned)
    client = owner_client(owned)
    url = reverse("owner:arrivals", args=[owned.public_id])
    dashboard = text(client.get(reverse("owner:dashboard", args=[owned.public_id])))
    assert f'hx-get="{url}"' in dashboard and 'hx-trigger="every 15s"' in dashboard
    assert "0 of 1 accepted guest arrived" in dashboard

    arrive(event, code, alice)
    partial = client.get(url)

    assert partial.status_code == 200
    assert "1 of 1 accepted guest arrived" in text(partial)
    assert "<html" not in text(partial)


def test_the_owners_count_does_not_poll_weeks_before_the_event(owned, event):
    accepted_guest(event, portal=owned)

    dashboard = text(owner_client(owned).get(reverse("owner:dashboard", args=[owned.public_id])))

    assert "accepted guest arrived" in dashboard
    assert "hx-trigger" not in dashboard.split('id="owner-arrivals"')[1].split(">")[0]


def test_another_portals_owner_never_sees_the_arrivals(owned, other_portal):
    other = assign(other_portal, email="other@example.com")

    response = owner_client(other).get(reverse("owner:arrivals", args=[owned.public_id]))

    # Asked to sign in to that portal (invites/owner_gate.py), never shown its guests.
    assert response.status_code == 302
    assert "/sign-in/?next=" in response["Location"]


def test_the_owners_csv_has_checked_in_time_and_people_in(one_day, owned, alice):
    _ours, code = accepted_guest(one_day, portal=owned, plus_ones=1, name="Our Guest")
    arrive(one_day, code, alice)

    response = owner_client(owned).get(reverse("owner:export", args=[owned.public_id]))

    header, [row] = csv_rows(response)
    assert header == PORTAL_COLUMNS
    assert row["people_in"] == "1" and row["checked_in_at"]


def test_the_owners_dashboard_queries_do_not_grow_with_arrivals(
    one_day, owned, alice, django_assert_max_num_queries
):
    client = owner_client(owned)
    url = reverse("owner:dashboard", args=[owned.public_id])
    _ours, code = accepted_guest(one_day, portal=owned)
    arrive(one_day, code, alice)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(10):
        _ours, code = accepted_guest(one_day, portal=owned, email=f"o{n}@example.com")
        arrive(one_day, code, alice)

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = text(client.get(url))

    assert "11 of 11 accepted guests arrived" in page
    assert Invite.objects.filter(portal=owned).count() == 11
