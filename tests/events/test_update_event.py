"""events/services.py update_event: one call, one transaction, for the edit page and the PATCH."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from events import forms as event_forms
from events import services
from events.models import Event
from tests.events.test_events import event_data, make_event


def test_the_edit_page_shows_the_services_refusal_and_changes_nothing(
    alice_client: Any, org: Any, event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form's hint missed it (another edit took the slug in between): the service decides."""
    other = make_event(org, "Other Fair", starts_in_days=3)
    monkeypatch.setattr(event_forms, "slug_is_taken", lambda *args, **kwargs: False)
    before = Event.objects.values().get(pk=event.pk)

    response = alice_client.post(
        reverse("events:edit", args=[org.slug, event.slug]),
        event_data(name="Renamed", slug=other.slug),
    )

    assert response.status_code == 200
    assert "slug" in response.context["form"].errors
    assert Event.objects.values().get(pk=event.pk) == before


def test_changes_apply_to_what_is_stored_not_to_the_callers_copy(event: Event) -> None:
    stale = Event.objects.get(pk=event.pk)
    services.update_event(event, changes={"venue": "Hall 3"})

    updated = services.update_event(stale, changes={"capacity": 50})

    assert (updated.venue, updated.capacity) == ("Hall 3", 50)


def test_archiving_an_archived_event_writes_nothing(event: Event) -> None:
    archived = services.archive_event(event)

    again = services.archive_event(event)

    assert again.archived_at == archived.archived_at
    assert again.updated_at == archived.updated_at
