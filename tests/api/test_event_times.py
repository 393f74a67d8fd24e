"""Event times the API must refuse with a 422 `invalid`, never a 500: dates that
overflow once read in the event's zone, and UTC offsets PostgreSQL cannot read
(beyond ±15:59). The rule is the event form's (events/times.py)."""

from __future__ import annotations

from typing import Any

import pytest

from events.models import Event
from tests.api.conftest import EVENT_BODY, ApiClient, assert_error


@pytest.mark.parametrize("offset", ["+16:00", "-16:00", "+23:59", "-23:59"])
def test_the_api_refuses_offsets_beyond_15_59(api: ApiClient, org: Any, offset: str) -> None:
    body = {**EVENT_BODY, "starts_at": f"2031-10-01T11:00:00{offset}"}

    error = assert_error(api.post("/events", body), 422, "invalid")

    assert "starts_at" in error["details"]["fields"]
    assert not Event.objects.filter(organization=org).exists()


def test_the_api_accepts_the_widest_offsets_postgresql_reads(api: ApiClient) -> None:
    body = {
        **EVENT_BODY,
        "starts_at": "2031-10-01T11:00:00+15:59",
        "ends_at": "2031-10-04T18:00:00-15:59",
    }

    assert api.post("/events", body).status_code == 201


@pytest.mark.parametrize(
    "field, value, zone",
    [
        ("ends_at", "9999-12-31T23:00:00", "America/New_York"),
        ("starts_at", "0001-01-01T00:30:00", "Asia/Tokyo"),
        ("starts_at", "0001-01-01T00:00:00-05:00", "America/New_York"),
        ("ends_at", "9999-12-31T23:59:59+15:59", "UTC"),
    ],
)
def test_the_api_refuses_dates_that_overflow(
    api: ApiClient,
    org: Any,
    field: str,
    value: str,
    zone: str,
) -> None:
    body = {**EVENT_BODY, field: value, "timezone": zone}

    error = assert_error(api.post("/events", body), 422, "invalid")

    assert field in error["details"]["fields"]
    assert not Event.objects.filter(organization=org).exists()


def test_a_patch_with_an_offset_beyond_15_59_changes_nothing(
    api: ApiClient,
    event: Event,
) -> None:
    before = event.starts_at

    response = api.patch(f"/events/{event.public_id}", {"starts_at": "2031-10-01T11:00:00+20:00"})

    assert_error(response, 422, "invalid")
    event.refresh_from_db()
    assert event.starts_at == before


def test_invite_lists_refuse_an_updated_since_offset_beyond_15_59(
    api: ApiClient,
    event: Event,
) -> None:
    response = api.get(
        f"/events/{event.public_id}/invites", {"updated_since": "2031-10-01T11:00:00+20:00"}
    )

    assert_error(response, 422, "invalid")
