from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from tests.conftest import make_group


def event_data(**overrides):
    data = {
        "name": "Autumn Salon",
        "slug": "",
        "starts_at": "2030-10-03T11:00",
        "ends_at": "2030-10-05T18:00",
        "timezone": "Europe/Zurich",
        "venue": "Kunsthalle",
        "capacity": "800",
        "description": "Works on paper.",
        "rsvp_open": "on",
    }
    data.update(overrides)
    return data


def make_event(org, name, *, starts_in_days, archived=False, **fields):
    starts = timezone.now() + timedelta(days=starts_in_days)
    return Event.objects.create(
        organization=org,
        name=name,
        slug=name.lower().replace(" ", "-"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=8),
        timezone=fields.pop("tz", "Europe/Zurich"),
        archived_at=timezone.now() if archived else None,
        **fields,
    )


# --- List ----------------------------------------------------------------------


def test_list_shows_upcoming_events_first_and_past_ones_after(alice_client, org):
    make_event(org, "Old Show", starts_in_days=-60)
    make_event(org, "Later Fair", starts_in_days=40)
    make_event(org, "Soon Fair", starts_in_days=5)
    make_event(org, "Last Week", starts_in_days=-7)

    page = alice_client.get(reverse("events:list", args=[org.slug])).content.decode()

    positions = [page.index(name) for name in ("Soon Fair", "Later Fair", "Last Week", "Old Show")]
    assert positions == sorted(positions)
    assert (
        page.index("Upcoming")
        < page.index("Soon Fair")
        < page.index("Past")
        < page.index("Last Week")
    )


def test_archived_events_are_hidden_until_asked_for(alice_client, org):
    make_event(org, "Current Fair", starts_in_days=5)
    make_event(org, "Archived Fair", starts_in_days=10, archived=True)
    url = reverse("events:list", args=[org.slug])

    hidden = alice_client.get(url).content.decode()
    shown = alice_client.get(url + "?archived=1").content.decode()

    assert "Current Fair" in hidden
    assert "Archived Fair" not in hidden
    assert "Show archived (1)" in hidden
    assert "Archived Fair" in shown and "Current Fair" in shown
    assert "Hide archived" in shown


def test_empty_list_says_what_to_do_next(alice_client, org):
    page = alice_client.get(reverse("events:list", args=[org.slug])).content.decode()
    assert "No events yet" in page
    assert reverse("events:create", args=[org.slug]) in page


def test_list_shows_times_in_each_event_time_zone(alice_client, org):
    Event.objects.create(
        organization=org,
        name="Tokyo Week",
        slug="tokyo-week",
        starts_at=datetime(2031, 3, 1, 1, 0, tzinfo=UTC),  # 10:00 in Tokyo
        ends_at=datetime(2031, 3, 1, 9, 0, tzinfo=UTC),
        timezone="Asia/Tokyo",
    )
    page = alice_client.get(reverse("events:list", args=[org.slug])).content.decode()
    assert "Sat 1 Mar 2031, 10:00\u201318:00" in page
    assert "Asia/Tokyo" in page


def test_list_query_count_does_not_grow_with_events(
    alice_client, org, group, django_assert_max_num_queries
):
    url = reverse("events:list", args=[org.slug])
    for n in range(3):
        make_event(org, f"Fair {n}", starts_in_days=n + 1)
    alice_client.get(url)
    with django_assert_max_num_queries(8) as few:
        alice_client.get(url)
    for n in range(3, 30):
        event = make_event(org, f"Fair {n}", starts_in_days=n + 1)
        make_group(organization=org, event=event, name="Exhibitors")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = alice_client.get(url)
    assert response.content.decode().count("Fair ") >= 30


# --- Create --------------------------------------------------------------------


def test_creating_an_event_reads_times_in_the_chosen_zone(alice_client, org):
    response = alice_client.post(reverse("events:create", args=[org.slug]), event_data())

    event = Event.objects.get(organization=org)
    assert response.status_code == 302
    assert response["Location"] == reverse("events:detail", args=[org.slug, "autumn-salon"])
    assert event.slug == "autumn-salon"
    # 11:00 in Zurich in October (CEST, UTC+2) is 09:00 UTC.
    assert event.starts_at == datetime(2030, 10, 3, 9, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2030, 10, 5, 16, 0, tzinfo=UTC)
    assert (event.venue, event.capacity, event.rsvp_open) == ("Kunsthalle", 800, True)


def test_a_member_can_create_events(bob_client, org):
    response = bob_client.post(reverse("events:create", args=[org.slug]), event_data(rsvp_open=""))
    assert response.status_code == 302
    event = Event.objects.get(organization=org)
    assert event.rsvp_open is False
    assert event.capacity == 800


def test_the_slug_is_made_unique_from_the_name(alice_client, org, event):
    alice_client.post(reverse("events:create", args=[org.slug]), event_data(name=event.name))
    assert Event.objects.filter(organization=org, slug="spring-fair-2").exists()


def test_the_same_slug_is_fine_in_another_organization(charlie_client, other_org, event):
    charlie_client.post(
        reverse("events:create", args=[other_org.slug]), event_data(slug=event.slug)
    )
    assert Event.objects.filter(organization=other_org, slug=event.slug).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "spring-fair"}, "slug", "Another event already uses this in its links"),
        ({"slug": "new"}, "slug", "Another event already uses this in its links"),
        ({"ends_at": "2030-10-03T10:00"}, "ends_at", "The event must end after it starts."),
        ({"ends_at": "2030-10-03T11:00"}, "ends_at", "The event must end after it starts."),
        ({"starts_at": "next tuesday"}, "starts_at", "Enter a valid date/time."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice."),
        ({"name": ""}, "name", "This field is required."),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        # Clocks in Zurich jump from 02:00 to 03:00 on 31 March 2030.
        ({"starts_at": "2030-03-31T02:30"}, "starts_at", "This time does not exist"),
    ],
)
def test_invalid_input_shows_an_error_next_to_the_field_and_saves_nothing(
    alice_client, org, event, overrides, field, message
):
    response = alice_client.post(reverse("events:create", args=[org.slug]), event_data(**overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert Event.objects.filter(organization=org).count() == 1


def test_create_form_starts_in_the_zone_of_the_latest_event(alice_client, org, event):
    response = alice_client.get(reverse("events:create", args=[org.slug]))
    assert response.context["form"]["timezone"].value() == "Europe/Zurich"
    page = response.content.decode()
    assert page.index('value="UTC"') < page.index('value="Africa/Abidjan"')


# --- Edit, archive -------------------------------------------------------------


def test_editing_an_event_saves_the_changes(alice_client, org, event):
    response = alice_client.post(
        reverse("events:edit", args=[org.slug, event.slug]),
        event_data(name="Spring Fair 2030", slug="spring-2030", timezone="America/New_York"),
    )
    event.refresh_from_db()
    assert response["Location"] == reverse("events:detail", args=[org.slug, "spring-2030"])
    assert (event.name, event.slug, event.timezone) == (
        "Spring Fair 2030",
        "spring-2030",
        "America/New_York",
    )
    # 11:00 in New York in October (EDT, UTC-4).
    assert event.starts_at == datetime(2030, 10, 3, 15, 0, tzinfo=UTC)


def test_edit_form_shows_the_times_in_the_event_zone(alice_client, org):
    Event.objects.create(
        organization=org,
        name="Zurich Nights",
        slug="zurich-nights",
        starts_at=datetime(2030, 1, 10, 17, 0, tzinfo=UTC),
        ends_at=datetime(2030, 1, 10, 22, 0, tzinfo=UTC),
        timezone="Europe/Zurich",
    )
    page = alice_client.get(reverse("events:edit", args=[org.slug, "zurich-nights"])).content
    assert b'value="2030-01-10T18:00"' in page
    assert b'value="2030-01-10T23:00"' in page


def test_an_event_may_keep_its_own_slug_when_edited(alice_client, org, event):
    response = alice_client.post(
        reverse("events:edit", args=[org.slug, event.slug]), event_data(slug=event.slug)
    )
    assert response.status_code == 302


@pytest.mark.parametrize("form_sees_it", [True, False])
def test_invalid_edit_changes_nothing(alice_client, org, event, monkeypatch, form_sees_it):
    """Refused by the form's hint, or by the service when another edit took the slug
    in between (the form saw it free): either way nothing changes."""
    other = make_event(org, "Other Fair", starts_in_days=3)
    if not form_sees_it:
        monkeypatch.setattr("events.forms.slug_is_taken", lambda *args, **kwargs: False)
    before = Event.objects.values().get(pk=event.pk)

    response = alice_client.post(
        reverse("events:edit", args=[org.slug, event.slug]),
        event_data(name="Renamed", slug=other.slug),
    )

    assert response.status_code == 200
    assert "slug" in response.context["form"].errors
    assert Event.objects.values().get(pk=event.pk) == before
    assert "Spring Fair" in response.content.decode()  # the breadcrumb keeps the stored name


def test_archive_hides_the_event_and_unarchive_brings_it_back(bob_client, org, event):
    list_url = reverse("events:list", args=[org.slug])

    bob_client.post(reverse("events:archive", args=[org.slug, event.slug]), follow=True)
    event.refresh_from_db()
    assert event.is_archived
    assert "Spring Fair" not in bob_client.get(list_url).content.decode()
    detail = bob_client.get(reverse("events:detail", args=[org.slug, event.slug])).content.decode()
    assert "This event is archived" in detail

    bob_client.post(reverse("events:unarchive", args=[org.slug, event.slug]), follow=True)
    event.refresh_from_db()
    assert not event.is_archived
    assert "Spring Fair" in bob_client.get(list_url).content.decode()


def test_archive_needs_a_post(alice_client, org, event):
    response = alice_client.get(reverse("events:archive", args=[org.slug, event.slug]))
    assert response.status_code == 405
    event.refresh_from_db()
    assert not event.is_archived


# --- Detail --------------------------------------------------------------------


def test_detail_shows_the_facts_in_the_event_zone(alice_client, org):
    event = Event.objects.create(
        organization=org,
        name="Harbour Fair",
        slug="harbour-fair",
        starts_at=datetime(2030, 7, 1, 8, 0, tzinfo=UTC),
        ends_at=datetime(2030, 7, 3, 16, 0, tzinfo=UTC),
        timezone="Australia/Sydney",
        venue="Pier 2/3",
        capacity=1200,
        rsvp_open=False,
    )
    page = alice_client.get(reverse("events:detail", args=[org.slug, event.slug])).content.decode()
    assert "Mon 1 Jul 2030, 18:00" in page  # AEST, UTC+10
    assert "Thu 4 Jul 2030, 02:00" in page
    assert "Australia/Sydney" in page
    assert "Pier 2/3" in page
    assert "1200 guests" in page
    assert "Closed" in page


# --- Tenancy -------------------------------------------------------------------

EVENT_PAGES = [
    ("events:list", "get", False),
    ("events:create", "get", False),
    ("events:create", "post", False),
    ("events:detail", "get", True),
    ("events:edit", "get", True),
    ("events:edit", "post", True),
    ("events:archive", "post", True),
    ("events:unarchive", "post", True),
]


@pytest.mark.parametrize(("name", "method", "needs_event"), EVENT_PAGES)
def test_outsider_gets_404_on_every_event_page(
    charlie_client, org, other_org, event, name, method, needs_event
):
    args = [org.slug, event.slug] if needs_event else [org.slug]
    response = getattr(charlie_client, method)(reverse(name, args=args), event_data())
    assert response.status_code == 404
    assert Event.objects.count() == 1
    event.refresh_from_db()
    assert (event.name, event.archived_at) == ("Spring Fair", None)


@pytest.mark.parametrize(("name", "method", "needs_event"), [p for p in EVENT_PAGES if p[2]])
def test_another_organizations_event_is_404_from_your_own_organization(
    charlie_client, other_org, event, name, method, needs_event
):
    response = getattr(charlie_client, method)(
        reverse(name, args=[other_org.slug, event.slug]), event_data()
    )
    assert response.status_code == 404
    event.refresh_from_db()
    assert (event.name, event.archived_at) == ("Spring Fair", None)


@pytest.mark.parametrize(
    ("name", "method", "needs_event"), [p for p in EVENT_PAGES if p[1] == "get"]
)
def test_members_can_open_every_event_page(bob_client, org, event, name, method, needs_event):
    args = [org.slug, event.slug] if needs_event else [org.slug]
    assert bob_client.get(reverse(name, args=args)).status_code == 200
