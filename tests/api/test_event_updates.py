"""PATCH /events/{event_id} is one service call: a refused change leaves nothing half done."""

from __future__ import annotations

from typing import Any

from events.models import Event
from tests.api.conftest import ApiClient, assert_error
from tests.events.test_events import make_event


def test_a_patch_whose_second_change_is_refused_changes_nothing(
    api: ApiClient, event: Event
) -> None:
    before = Event.objects.values().get(pk=event.pk)

    response = api.patch(
        f"/events/{event.public_id}",
        {"name": "Renamed", "archived": True, "ends_at": "2000-01-01T00:00:00Z"},
    )

    assert "ends_at" in assert_error(response, 422, "invalid")["details"]["fields"]
    assert Event.objects.values().get(pk=event.pk) == before


def test_a_patch_with_a_taken_slug_changes_nothing(api: ApiClient, org: Any, event: Event) -> None:
    other = make_event(org, "Other Fair", starts_in_days=3)
    before = Event.objects.values().get(pk=event.pk)

    response = api.patch(
        f"/events/{event.public_id}", {"archived": True, "name": "Renamed", "slug": other.slug}
    )

    assert "slug" in assert_error(response, 422, "invalid")["details"]["fields"]
    assert Event.objects.values().get(pk=event.pk) == before
