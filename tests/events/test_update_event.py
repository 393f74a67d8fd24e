"""events/services.py update_event: one call, one transaction, for the edit page and the PATCH."""

from __future__ import annotations

from events import services
from events.models import Event


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
