"""Event times the form must refuse with an error next to the field, never a 500:
dates that overflow once read in the event's zone (events/times.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from events.models import Event
from tests.events.test_events import event_data


@pytest.mark.parametrize(
    "starts_at, zone",
    [
        # 23:00 in New York on the last day of 9999 is year 10000 in UTC.
        ("9999-12-31T23:00", "America/New_York"),
        ("9999-12-31T23:00", "Asia/Tokyo"),
        # 00:30 on 1 January of year 1 in Tokyo is year 0 in UTC.
        ("0001-01-01T00:30", "Asia/Tokyo"),
        ("0001-01-01T00:30", "America/New_York"),
        ("2101-01-01T10:00", "UTC"),
        ("1999-12-31T10:00", "UTC"),
    ],
)
def test_the_form_refuses_dates_out_of_range_next_to_the_field(
    alice_client: Any, org: Any, event: Event, starts_at: str, zone: str
) -> None:
    response = alice_client.post(
        reverse("events:create", args=[org.slug]),
        event_data(starts_at=starts_at, ends_at="2030-10-05T18:00", timezone=zone),
    )

    assert response.status_code == 200
    assert "between the years 2000 and 2100" in " ".join(
        response.context["form"].errors["starts_at"]
    )
    assert Event.objects.filter(organization=org).count() == 1


def test_the_edit_form_refuses_an_end_in_year_9999(
    alice_client: Any, org: Any, event: Event
) -> None:
    response = alice_client.post(
        reverse("events:edit", args=[org.slug, event.slug]),
        event_data(ends_at="9999-12-31T23:59", timezone="America/Los_Angeles"),
    )

    assert response.status_code == 200
    assert "ends_at" in response.context["form"].errors
    event.refresh_from_db()
    assert event.ends_at.year < 9999
