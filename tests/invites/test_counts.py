"""invites/guest_counts.py: guests per invite type and per entry window, as the organizer sees."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from events.models import EntryWindow
from invites.guest_counts import (
    event_types,
    event_windows,
    guest_counts,
    organizer_invites,
    type_counts,
    window_counts,
)
from invites.models import Invite
from invites.services import GuestInput, generate_invites, generate_organizer_invites
from portals.models import PortalGroup
from tests.conftest import make_group, make_portal
from tests.invites.fair import add_type, add_window, answer, answer_link, build_fair

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def shared_from_the_start(group):
    PortalGroup.objects.filter(pk=group.pk).update(share_all_invites=True)
    Invite.objects.filter(portal__group=group).update(shared_with_organizer=True)


def by_label(rows):
    return {row.label: (row.invited, row.attending, row.pending, row.declined) for row in rows}


def windows_of(event):
    return {row.window.label: row for row in window_counts(event, event_windows(event))}


@pytest.fixture
def fair(org, event, portal):
    return build_fair(org, event, portal)


class TestPerType:
    def test_it_counts_invited_attending_pending_declined_per_type(self, event, group, fair):
        shared_from_the_start(group)
        rows = type_counts(event, event_types(event))
        # (invited places, accepted + plus-ones, pending, declined)
        assert by_label(rows) == {
            "Standard": (2, 0, 0, 1),
            # Two single invites and a link of 3 uses; its answers are not counted again.
            "VIP": (5, 3, 2, 0),
            "Public days": (1, 1, 0, 0),
        }

    def test_it_gives_the_places_used_and_allocated_of_each_type(self, event, fair):
        rows = {row.label: row for row in type_counts(event, event_types(event))}
        assert (rows["Standard"].places_used, rows["Standard"].places_allocated) == (2, 10)
        assert (rows["VIP"].places_used, rows["VIP"].places_allocated) == (5, 5)
        assert (rows["Public days"].places_used, rows["Public days"].places_allocated) == (1, 20)

    def test_counts_respect_what_the_organizer_may_see(self, event, fair):
        """Not shared: only accepted and pending guests of the portal are counted; the
        answers of a link the organizer cannot see are one person invited each."""
        rows = type_counts(event, event_types(event))
        assert by_label(rows) == {
            "Standard": (0, 0, 0, 0),
            "VIP": (4, 3, 2, 0),
            "Public days": (1, 1, 0, 0),
        }
        visible = guest_counts(organizer_invites(event))
        assert visible == {"invited": 5, "accepted": 3, "plus_ones": 1, "pending": 2, "declined": 0}

    def test_a_revoked_link_keeps_the_places_its_answers_took(self, event, group, fair):
        shared_from_the_start(group)
        Invite.objects.filter(pk=fair.invites["link"].pk).update(status=Invite.Status.REVOKED)
        rows = by_label(type_counts(event, event_types(event)))
        assert rows["VIP"] == (4, 3, 2, 0)

    def test_the_organizers_own_invites_get_a_row_of_their_own(self, org, event, fair):
        generate_organizer_invites(event, [GuestInput(name="Press")], method="single")
        rows = by_label(type_counts(event, event_types(event)))
        assert rows["No type (your own invites)"] == (1, 0, 0, 0)

    def test_a_group_with_one_type_is_named_after_the_group(self, org, event, fair):
        sponsors = make_group(organization=org, event=event, name="Sponsors")
        make_portal(group=sponsors, name="Bank", allocation=5)
        types = event_types(event)
        assert sorted(types.labels.values()) == [
            "Exhibitors · Public days",
            "Exhibitors · Standard",
            "Exhibitors · VIP",
            "Sponsors",
        ]
        # Its type is hidden: no filter offers it.
        assert [t.code for t in types.filterable] == ["standard", "vip", "public"]

    def test_an_event_whose_groups_have_one_type_each_shows_no_types(self, event, group, portal):
        assert not event_types(event).shown


class TestPerWindow:
    def test_it_counts_accepted_guests_with_plus_ones_against_capacity(self, event, fair):
        windows = windows_of(event)
        thursday, friday = windows["Thursday preview"], windows["Friday"]
        # VIP Accepted and a plus-one, and one answer of the link; pending takes no place.
        assert (thursday.attending, thursday.pending, thursday.window.capacity) == (3, 1, 3)
        assert thursday.is_full and thursday.over_by == 0 and thursday.places_left == 0
        assert (friday.attending, friday.is_full, friday.places_left) == (1, False, None)
        # In the event's zone: 4 hours on one day.
        starts = fair.thursday.starts_at.astimezone(event.tz)
        ends = fair.thursday.ends_at.astimezone(event.tz)
        assert (
            thursday.when.endswith(f"{starts:%H:%M}\u2013{ends:%H:%M}")
            or starts.date() != ends.date()
        )

    def test_golden_guests_take_places_beyond_capacity_and_show_over_capacity(self, event, fair):
        own = generate_organizer_invites(
            event, [GuestInput(name="Golden Own", golden=True)], method="single"
        ).invites.get()
        answer(own, Invite.Status.ACCEPTED, window=fair.thursday, plus_ones=0)
        thursday = windows_of(event)["Thursday preview"]
        assert (thursday.attending, thursday.golden, thursday.over_by) == (4, 1, 1)
        assert thursday.is_full

    def test_lowering_a_capacity_shows_the_window_over_capacity(self, event, fair):
        EntryWindow.objects.filter(pk=fair.thursday.pk).update(capacity=1)
        thursday = windows_of(event)["Thursday preview"]
        assert (thursday.attending, thursday.over_by, thursday.is_full) == (3, 2, True)

    def test_an_event_without_windows_has_no_window_counts(self, event, group, portal):
        assert window_counts(event, event_windows(event)) == []


class TestOnThePages:
    def test_the_guest_list_shows_both_tables_and_the_approval_banner(
        self, org, event, fair, alice_client
    ):
        response = alice_client.get(reverse("invites:guest_list", args=[org.slug, event.slug]))
        page = text(response)
        assert "Guests per invite type" in page and "Guests per entry window" in page
        assert "2 answers waiting for approval" in page
        assert f"/o/{org.slug}/events/{event.slug}/guests/?status=pending" in page
        assert "Full" in page

    def test_the_tables_count_the_whole_event_whatever_the_filters(
        self, org, event, fair, alice_client
    ):
        response = alice_client.get(
            reverse("invites:guest_list", args=[org.slug, event.slug]), {"status": "declined"}
        )
        thursday = {row.window.label: row for row in response.context["guest_window_counts"]}
        assert thursday["Thursday preview"].attending == 3
        assert response.context["waiting_for_approval"] == 2
        assert response.context["counts"]["accepted"] == 0

    def test_over_capacity_is_shown_as_such(self, org, event, fair, alice_client):
        EntryWindow.objects.filter(pk=fair.thursday.pk).update(capacity=2)
        page = text(alice_client.get(reverse("invites:guest_list", args=[org.slug, event.slug])))
        assert "Full, 1 over capacity" in page

    def test_the_event_page_shows_the_counts(self, org, event, fair, alice_client):
        response = alice_client.get(reverse("events:detail", args=[org.slug, event.slug]))
        page = text(response)
        assert "Guests per invite type" in page
        # One table of windows on the event page: the setup table with places taken.
        assert "Entry windows" in page and "Guests per entry window" not in page
        assert "Thursday preview" in page
        assert by_label(response.context["guest_type_counts"])["VIP"] == (4, 3, 2, 0)

    def test_the_event_page_of_a_plain_event_shows_no_tables(
        self, org, event, portal, alice_client
    ):
        page = text(alice_client.get(reverse("events:detail", args=[org.slug, event.slug])))
        assert "Guests per invite type" not in page and "Guests per entry window" not in page

    def test_the_event_pages_queries_do_not_grow_with_guests_types_or_windows(
        self, org, event, portal, alice_client, django_assert_max_num_queries
    ):
        url = reverse("events:detail", args=[org.slug, event.slug])
        fair = build_fair(org, event, portal)
        with django_assert_max_num_queries(40) as few:
            alice_client.get(url)
        add_type(portal, name="Press", code="press", position=3, places=30)
        saturday = add_window(event, "Saturday", day=2, capacity=100)
        batch = generate_invites(
            portal,
            [GuestInput(name=f"P{i}") for i in range(20)],
            invite_type="press",
            method="paste",
        )
        for invite in batch.invites.all():
            answer(invite, Invite.Status.ACCEPTED, window=saturday)
        answer_link(
            fair.invites["link"], "Late Answer", Invite.Status.DECLINED, entry_window=fair.friday
        )
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert alice_client.get(url).status_code == 200
