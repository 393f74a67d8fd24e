"""The event form reads like a product: a named short-name field, a menu of
current zones, a warning before an event lands in the past, and no "Open"
badge on an event that is over."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from events.forms import EventForm
from events.models import Event, RsvpState
from events.times import listed_timezone, listed_timezones
from organizations.api_key_services import create_api_key
from tests.api.conftest import ApiClient
from tests.conftest import make_group
from tests.events.test_events import event_data, make_event


def _wall_clock(days: int) -> str:
    return (
        (timezone.now() + timedelta(days=days))
        .astimezone(zoneinfo.ZoneInfo("Europe/Zurich"))
        .strftime("%Y-%m-%dT%H:%M")
    )


# --- The short form in links ------------------------------------------------------------------


def test_the_slug_field_is_named_for_what_it_is_and_shows_the_address_it_makes(
    alice_client: Any, org: Any
) -> None:
    page = alice_client.get(reverse("events:create", args=[org.slug])).content.decode()

    assert "Short form in links" in page
    assert ">Address<" not in page
    assert f"/o/{org.slug}/events/spring-fair/" in page


def test_a_taken_short_name_is_reported_next_to_the_field(
    alice_client: Any, org: Any, event: Event
) -> None:
    response = alice_client.post(
        reverse("events:create", args=[org.slug]), event_data(slug=event.slug)
    )

    assert (
        response.context["form"]
        .errors["slug"][0]
        .startswith("Another event already uses this in its links")
    )


# --- Time zones ------------------------------------------------------------------------


@pytest.mark.parametrize("alias", ["US/Eastern", "GB", "Etc/GMT+5", "Asia/Calcutta", "Europe/Kiev"])
def test_the_menu_lists_no_alias(alice_client: Any, org: Any, alias: str) -> None:
    page = alice_client.get(reverse("events:create", args=[org.slug])).content.decode()

    assert f'value="{alias}"' not in page
    assert 'value="Asia/Kolkata"' in page
    assert 'value="Europe/Kyiv"' in page
    assert 'value="UTC"' in page


def test_browser_aliases_map_to_the_zone_the_menu_lists() -> None:
    assert listed_timezone("Asia/Calcutta") == "Asia/Kolkata"
    assert listed_timezone("US/Eastern") == "America/New_York"
    assert listed_timezone("GB") == "Europe/London"
    assert listed_timezone("Etc/UTC") == "UTC"
    assert listed_timezone("Etc/GMT+5") is None
    assert "Europe/Amsterdam" in listed_timezones()  # one zone per country, not one per rule


def test_the_form_refuses_an_alias_but_the_api_takes_it(
    alice_client: Any, org: Any, alice: Any
) -> None:
    api = ApiClient(create_api_key(org, name="Test", created_by=alice).secret)
    response = alice_client.post(
        reverse("events:create", args=[org.slug]), event_data(timezone="US/Eastern")
    )
    assert "timezone" in response.context["form"].errors

    created = api.post(
        "/events",
        {
            "name": "API Fair",
            "starts_at": "2030-05-01T10:00",
            "ends_at": "2030-05-01T18:00",
            "timezone": "US/Eastern",
        },
    )
    assert created.status_code == 201
    assert created.json()["timezone"] == "US/Eastern"


def test_an_event_with_an_alias_zone_can_still_be_edited_in_it(alice_client: Any, org: Any) -> None:
    event = make_event(org, "Old Zone Fair", starts_in_days=30, tz="US/Eastern")

    page = alice_client.get(reverse("events:edit", args=[org.slug, event.slug]))
    assert page.context["form"]["timezone"].value() == "US/Eastern"
    assert 'value="US/Eastern" selected' in page.content.decode()

    data = event_data(name="Old Zone Fair", slug=event.slug, timezone="US/Eastern")
    response = alice_client.post(reverse("events:edit", args=[org.slug, event.slug]), data)
    assert response.status_code == 302


def test_a_first_event_asks_the_browser_for_its_zone_and_a_later_one_keeps_the_last(
    alice_client: Any, org: Any
) -> None:
    first = alice_client.get(reverse("events:create", args=[org.slug])).content.decode()
    assert "data-browser-zone" in first
    assert "js/event-timezone.js" in first

    make_event(org, "Basel", starts_in_days=30, tz="Asia/Calcutta")
    later = alice_client.get(reverse("events:create", args=[org.slug]))
    assert "data-browser-zone" not in later.content.decode()
    # The organization's last zone, offered as the zone the menu lists.
    assert later.context["form"]["timezone"].value() == "Asia/Kolkata"


# --- Events in the past ------------------------------------------------------------------


def test_creating_an_event_in_the_past_warns_and_saves_nothing(alice_client: Any, org: Any) -> None:
    data = event_data(starts_at=_wall_clock(-10), ends_at=_wall_clock(-9))

    response = alice_client.post(reverse("events:create", args=[org.slug]), data)

    assert response.status_code == 200
    assert not Event.objects.filter(organization=org).exists()
    page = response.content.decode()
    assert "This event ended on" in page
    assert "Yes, create it in the past" in page
    assert 'name="confirm_past"' in page


def test_confirming_creates_the_past_event(alice_client: Any, org: Any) -> None:
    data = event_data(starts_at=_wall_clock(-10), ends_at=_wall_clock(-9), confirm_past="on")

    response = alice_client.post(reverse("events:create", args=[org.slug]), data)

    assert response.status_code == 302
    assert Event.objects.get(organization=org).has_ended


def test_a_future_event_neither_warns_nor_shows_the_checkbox(alice_client: Any, org: Any) -> None:
    page = alice_client.get(reverse("events:create", args=[org.slug])).content.decode()
    assert 'name="confirm_past"' not in page

    response = alice_client.post(reverse("events:create", args=[org.slug]), event_data())
    assert response.status_code == 302


def test_an_event_that_already_started_warns_too(alice_client: Any, org: Any) -> None:
    data = event_data(starts_at=_wall_clock(-1), ends_at=_wall_clock(2))

    response = alice_client.post(reverse("events:create", args=[org.slug]), data)

    assert "This event started on" in response.content.decode()
    assert not Event.objects.filter(organization=org).exists()


def test_editing_a_past_event_without_moving_its_dates_does_not_warn(org: Any) -> None:
    past = make_event(org, "Old Show", starts_in_days=-60)
    form = EventForm(organization=org, instance=past)
    data = {**form.initial, "name": "Old Show (renamed)", "rsvp_open": "on"}
    for name in ("starts_at", "ends_at"):
        data[name] = form.initial[name].strftime("%Y-%m-%dT%H:%M")
    data["answers_close_at"] = ""
    data["capacity"] = ""

    assert EventForm(data, organization=org, instance=past).is_valid()


def test_moving_an_event_into_the_past_warns(org: Any) -> None:
    upcoming = make_event(org, "Soon", starts_in_days=5)
    data = event_data(
        name="Soon", slug=upcoming.slug, starts_at=_wall_clock(-3), ends_at=_wall_clock(-2)
    )

    form = EventForm(data, organization=org, instance=upcoming)

    assert not form.is_valid()
    assert form.errors["confirm_past"][0].startswith("This event ended on")
    assert "Yes, save it in the past" in str(form["confirm_past"].label)


# --- Past events do not read "RSVP open" -----------------------------------------------


def test_an_ended_event_reads_ended_in_the_list_on_its_page_and_in_the_api(
    alice_client: Any, org: Any, alice: Any
) -> None:
    api = ApiClient(create_api_key(org, name="Test", created_by=alice).secret)
    past = make_event(org, "Old Show", starts_in_days=-60, rsvp_open=True)
    make_event(org, "Soon Fair", starts_in_days=5, rsvp_open=True)

    listing = alice_client.get(reverse("events:list", args=[org.slug])).content.decode()
    past_section = listing[listing.index('id="past-heading"') :]
    upcoming_section = listing[: listing.index('id="past-heading"')]
    assert "Ended" in past_section and ">Open<" not in past_section
    assert ">Open<" in upcoming_section

    detail = alice_client.get(reverse("events:detail", args=[org.slug, past.slug])).content.decode()
    assert "Ended" in detail and "guests can answer" not in detail

    assert api.get(f"/events/{past.public_id}").json()["rsvp_state"] == "ended"


def test_the_rsvp_state_has_one_rule(org: Any) -> None:
    soon = make_event(org, "Soon", starts_in_days=5)
    assert soon.rsvp_state == RsvpState.OPEN
    soon.rsvp_open = False
    assert soon.rsvp_state == RsvpState.CLOSED
    soon.rsvp_open = True
    soon.answers_close_at = timezone.now() - timedelta(hours=1)
    assert soon.rsvp_state == RsvpState.ANSWERS_CLOSED
    soon.ends_at = timezone.now() - timedelta(minutes=1)
    soon.starts_at = soon.ends_at - timedelta(hours=2)
    assert soon.rsvp_state == RsvpState.ENDED


def test_the_events_list_counts_one_group_in_the_singular(
    alice_client: Any, org: Any, event: Event
) -> None:
    make_group(organization=org, event=event, name="Galleries")

    page = " ".join(
        alice_client.get(reverse("events:list", args=[org.slug])).content.decode().split()
    )

    assert "in 1 group<" in page
