"""GET, POST /events; GET, PATCH /events/{event_id}."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from events.models import Event
from tests.api.conftest import EVENT_BODY, ApiClient, assert_error


def test_it_lists_the_organizations_events_newest_first(api: ApiClient, event: Event) -> None:
    api.post("/events", EVENT_BODY)

    items = api.get("/events").json()["items"]

    assert [item["name"] for item in items] == ["Autumn Fair", "Spring Fair"]
    assert items[1] == {
        "id": event.public_id,
        "slug": "spring-fair",
        "name": "Spring Fair",
        "starts_at": items[1]["starts_at"],
        "ends_at": items[1]["ends_at"],
        "timezone": "Europe/Zurich",
        "venue": "Messe Basel, Hall 2",
        "description": "Contemporary art from 200 galleries.",
        "capacity": None,
        "rsvp_open": True,
        "rsvp_state": "open",
        "answers_close_at": None,
        "answers_deadline": items[1]["ends_at"],
        "language": "en",
        "other_languages": [],
        "translations": {},
        "archived": False,
        "created_at": items[1]["created_at"],
        "updated_at": items[1]["updated_at"],
    }


def test_archived_events_are_listed_only_on_request(api: ApiClient, event: Event) -> None:
    api.patch(f"/events/{event.public_id}", {"archived": True})

    assert api.get("/events").json()["items"] == []
    archived = api.get("/events", {"include_archived": "true"}).json()["items"]
    assert [item["archived"] for item in archived] == [True]


def test_it_creates_an_event_reading_local_times_in_its_zone(api: ApiClient, org: Any) -> None:
    response = api.post("/events", EVENT_BODY)

    assert response.status_code == 201
    body = response.json()
    event = Event.objects.get(public_id=body["id"], organization=org)
    assert event.slug == "autumn-fair"
    # 11:00 in Zurich in October is 09:00 UTC.
    assert event.starts_at == datetime(2031, 10, 1, 9, 0, tzinfo=UTC)
    assert body["starts_at"] == "2031-10-01T09:00:00Z"
    assert body["timezone"] == "Europe/Zurich"


def test_a_time_with_an_offset_is_taken_as_is(api: ApiClient) -> None:
    body = {**EVENT_BODY, "starts_at": "2031-10-01T11:00:00+00:00"}

    response = api.post("/events", body)

    assert response.json()["starts_at"] == "2031-10-01T11:00:00Z"


def test_invalid_events_are_refused_with_field_errors(api: ApiClient) -> None:
    response = api.post(
        "/events",
        {
            "name": "   ",
            "starts_at": "tomorrow",
            "ends_at": "2031-10-04T18:00:00",
            "timezone": "Mars/Olympus",
            "capacity": 0,
        },
    )

    fields = assert_error(response, 422, "invalid")["details"]["fields"]
    assert set(fields) == {"name", "starts_at", "timezone", "capacity"}
    assert not Event.objects.exists()


def test_an_event_must_end_after_it_starts(api: ApiClient) -> None:
    body = {**EVENT_BODY, "ends_at": "2031-09-30T10:00:00"}

    fields = assert_error(api.post("/events", body), 422, "invalid")["details"]["fields"]

    assert fields == {"ends_at": ["The event must end after it starts."]}


def test_a_taken_slug_is_a_field_error(api: ApiClient, event: Event) -> None:
    body = {**EVENT_BODY, "slug": "spring-fair"}

    fields = assert_error(api.post("/events", body), 422, "invalid")["details"]["fields"]

    assert list(fields) == ["slug"]
    assert Event.objects.count() == 1


def test_a_body_that_is_not_json_is_a_bad_request(api: ApiClient) -> None:
    response = api.client.post(
        "/api/v1/events",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.key}"},
    )

    assert_error(response, 400, "bad_request")


def test_it_reads_one_event(api: ApiClient, event: Event) -> None:
    response = api.get(f"/events/{event.public_id}")

    assert response.status_code == 200
    assert response.json()["name"] == "Spring Fair"


def test_an_unknown_or_malformed_id_is_not_found(api: ApiClient, event: Event) -> None:
    assert_error(api.get("/events/zzzzzzzzzzzzzz"), 404, "not_found")
    # A control character answers 400 before any lookup.
    assert_error(api.get("/events/%00"), 400, "bad_request")
    assert_error(api.get(f"/events/{event.pk}"), 404, "not_found")


def test_patch_changes_only_the_fields_sent(api: ApiClient, event: Event) -> None:
    response = api.patch(f"/events/{event.public_id}", {"venue": "Hall 3", "capacity": 500})

    assert response.status_code == 200
    event.refresh_from_db()
    assert (event.venue, event.capacity, event.name) == ("Hall 3", 500, "Spring Fair")
    assert event.slug == "spring-fair"


def test_patch_can_remove_the_capacity_and_archive_and_restore(
    api: ApiClient, event: Event
) -> None:
    api.patch(f"/events/{event.public_id}", {"capacity": 100})
    api.patch(f"/events/{event.public_id}", {"capacity": None, "archived": True})
    event.refresh_from_db()
    assert event.capacity is None
    assert event.is_archived

    api.patch(f"/events/{event.public_id}", {"archived": False})
    event.refresh_from_db()
    assert not event.is_archived


def test_patch_refuses_invalid_changes(api: ApiClient, event: Event) -> None:
    response = api.patch(f"/events/{event.public_id}", {"ends_at": "2000-01-01T00:00:00Z"})

    assert_error(response, 422, "invalid")
    assert_error(api.patch(f"/events/{event.public_id}", {"name": ""}), 422, "invalid")
    event.refresh_from_db()
    assert event.name == "Spring Fair"


def test_another_organization_cannot_read_or_change_the_event(
    outsider_api: ApiClient, event: Event
) -> None:
    assert_error(outsider_api.get(f"/events/{event.public_id}"), 404, "not_found")
    assert_error(
        outsider_api.patch(f"/events/{event.public_id}", {"name": "Mine"}), 404, "not_found"
    )
    event.refresh_from_db()
    assert event.name == "Spring Fair"


def test_the_api_sets_and_clears_the_deadline(api: ApiClient, org) -> None:
    created = api.post("/events", {**EVENT_BODY, "answers_close_at": "2031-10-03T20:00:00"})
    body = created.json()
    assert body["answers_close_at"] == "2031-10-03T18:00:00Z"
    assert body["answers_deadline"] == "2031-10-03T18:00:00Z"

    cleared = api.patch(f"/events/{body['id']}", {"answers_close_at": None}).json()
    assert cleared["answers_close_at"] is None
    assert cleared["answers_deadline"] == cleared["ends_at"]


def test_the_api_refuses_a_deadline_out_of_range(api: ApiClient, event) -> None:
    response = api.patch(f"/events/{event.public_id}", {"answers_close_at": "1999-01-01T00:00:00Z"})
    assert response.status_code == 422
    assert "answers_close_at" in response.json()["details"]["fields"]
