"""events/hooks.py: the apps above hear when an event or a window moves, after commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from events import hooks
from events.services import update_event
from events.windows import update_window
from tests.invites.windows import add_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """What a listener registered now hears (the door's own listener left out)."""
    calls: list[tuple[int, int | None]] = []
    monkeypatch.setattr(hooks, "_CALLBACKS", {})
    hooks.on_schedule_changed(lambda event_id, window_id: calls.append((event_id, window_id)))
    return calls


def test_moving_the_event_or_changing_its_venue_is_heard_after_commit(
    event, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        update_event(event, changes={"starts_at": event.starts_at - timedelta(hours=1)})
        assert heard == []  # not before the commit
    with django_capture_on_commit_callbacks(execute=True):
        update_event(event, changes={"venue": "Hall 3"})
    assert heard == [(event.pk, None), (event.pk, None)]


def test_other_event_changes_are_not_heard(event, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        update_event(event, changes={"name": "Renamed", "description": "New", "capacity": 10})
        update_event(event, archived=True)
    assert heard == []


def test_moving_a_window_is_heard_with_its_id_and_relabelling_it_is_not(
    event, heard, django_capture_on_commit_callbacks
):
    window = add_window(event, "Preview")
    with django_capture_on_commit_callbacks(execute=True):
        update_window(window, changes={"label": "Vernissage", "capacity": 5})
    assert heard == []
    with django_capture_on_commit_callbacks(execute=True):
        update_window(window, changes={"ends_at": window.ends_at + timedelta(hours=1)})
    assert heard == [(event.pk, window.pk)]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_move_is_not_heard(event, heard):
    with pytest.raises(RuntimeError), transaction.atomic():
        hooks.schedule_changed(event.pk)
        raise RuntimeError("the edit fails")
    assert heard == []
