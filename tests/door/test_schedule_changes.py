"""The organizer moves a window or the event: confirmed guests get an updated confirmation."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from door import tasks
from door.models import CheckInPass
from events.services import update_event
from events.windows import update_window
from invites.answers import respond
from tests.door.test_confirmations import calendar_of
from tests.invites.windows import add_type, add_window, invites_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks):
    """Run a service with what it does after commit (the hook, the task, the outbox) at once."""

    def run(service, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(*args, **kwargs)

    return run


@pytest.fixture
def windows(event):
    return add_window(event, "Preview", hour=11), add_window(event, "Evening", hour=18)


@pytest.fixture
def guests(event, group, windows, run_after_commit):
    """Two accepted guests of the preview, one of the evening, one who declined,
    one who never answered; the outbox emptied of their first emails."""
    typed = add_type(group, "vip", *windows, plus_ones_allowed=2)
    invites = invites_of(event, 5, invite_type=typed)
    for invite in invites[:2]:
        run_after_commit(respond, invite, accept=True, window=windows[0])
    run_after_commit(respond, invites[2], accept=True, window=windows[1])
    run_after_commit(respond, invites[3], accept=True, window=windows[0])
    run_after_commit(respond, invites[3], accept=False)
    mail.outbox.clear()
    return invites


def later(window, hours=1):
    return {
        "starts_at": window.starts_at + timedelta(hours=hours),
        "ends_at": window.ends_at + timedelta(hours=hours),
    }


def test_moving_a_window_resends_its_guests_confirmations_with_the_new_time(
    guests, windows, run_after_commit
):
    moved = run_after_commit(update_window, windows[0], changes=later(windows[0]))
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [guests[0].guest_email, guests[1].guest_email]
    )
    for message in mail.outbox:
        _part, calendar, entry = calendar_of(message)
        assert calendar["METHOD"] == "REQUEST"
        assert int(entry["SEQUENCE"]) == 1
        assert entry.decoded("DTSTART") == moved.starts_at
        assert entry.decoded("DTEND") == moved.ends_at
        local = moved.starts_at.astimezone(ZoneInfo("Europe/Zurich"))
        assert "Your entry: Preview, " in message.body
        assert f"{local:%H:%M}\N{EN DASH}" in message.body


def test_the_evening_guest_the_declined_guest_and_the_silent_one_get_nothing(
    guests, windows, run_after_commit
):
    run_after_commit(update_window, windows[0], changes=later(windows[0]))
    told = {message.to[0] for message in mail.outbox}
    for invite in guests[2:]:
        assert invite.guest_email not in told
    assert CheckInPass.objects.get(invite=guests[3]).sequence == 1  # its cancellation only
    assert not CheckInPass.objects.filter(invite=guests[4]).exists()


def test_changing_only_a_windows_label_or_capacity_sends_nothing(guests, windows, run_after_commit):
    run_after_commit(update_window, windows[0], changes={"label": "Vernissage", "capacity": 50})
    assert mail.outbox == []


def test_editing_only_the_description_or_the_name_sends_nothing(guests, event, run_after_commit):
    run_after_commit(
        update_event, event, changes={"description": "New words.", "name": "Spring Fair 2"}
    )
    assert mail.outbox == []


def test_a_new_venue_resends_every_confirmed_guest_with_the_new_location(
    guests, event, run_after_commit
):
    run_after_commit(update_event, event, changes={"venue": "Messe Basel, Hall 1"})
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        _part, _calendar, entry = calendar_of(message)
        assert str(entry["LOCATION"]) == "Messe Basel, Hall 1"
        assert int(entry["SEQUENCE"]) == 1
        assert "Messe Basel, Hall 1" in message.body


def test_moving_the_event_leaves_the_entries_of_window_guests_alone(
    event, guests, run_after_commit
):
    later_by_a_day = {
        "starts_at": event.starts_at + timedelta(days=1),
        "ends_at": event.ends_at + timedelta(days=1),
    }
    run_after_commit(update_event, event, changes=later_by_a_day)
    # Every confirmed guest here comes in a window, whose times did not move.
    assert mail.outbox == []


def test_moving_an_event_without_windows_moves_its_guests_entries(event, run_after_commit):
    invites = invites_of(event, 2)
    for invite in invites:
        run_after_commit(respond, invite, accept=True)
    mail.outbox.clear()
    changes = {
        "starts_at": event.starts_at + timedelta(days=7),
        "ends_at": event.ends_at + timedelta(days=7),
    }
    moved = run_after_commit(update_event, event, changes=changes)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        _part, _calendar, entry = calendar_of(message)
        assert entry.decoded("DTSTART") == moved.starts_at.replace(microsecond=0)
        assert int(entry["SEQUENCE"]) == 1


def test_moving_back_and_forth_tells_each_move_in_order(guests, windows, run_after_commit):
    original = {"starts_at": windows[0].starts_at, "ends_at": windows[0].ends_at}
    run_after_commit(update_window, windows[0], changes=later(windows[0]))
    run_after_commit(update_window, windows[0], changes=original)
    mine = [message for message in mail.outbox if message.to == [guests[0].guest_email]]
    assert len(mine) == 2
    _part, _calendar, entry = calendar_of(mine[1])
    assert int(entry["SEQUENCE"]) == 2
    assert entry.decoded("DTSTART") == original["starts_at"]


def test_a_move_undone_before_the_guests_were_told_sends_nothing(
    guests, windows, django_capture_on_commit_callbacks
):
    original = {"starts_at": windows[0].starts_at, "ends_at": windows[0].ends_at}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        update_window(windows[0], changes=later(windows[0]))
        update_window(windows[0], changes=original)
    assert len(callbacks) == 2
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert mail.outbox == []
    assert CheckInPass.objects.get(invite=guests[0]).sequence == 0


def test_a_guest_who_answers_again_after_a_move_is_told_once(
    guests, windows, run_after_commit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        update_window(windows[0], changes=later(windows[0]))
    # The guest's own change (another plus-one) reaches the door before the move's task.
    run_after_commit(respond, guests[0], accept=True, plus_ones=1, window=windows[0])
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    mine = [message for message in mail.outbox if message.to == [guests[0].guest_email]]
    assert len(mine) == 1
    assert int(calendar_of(mine[0])[2]["SEQUENCE"]) == 1
    assert len(mail.outbox) == 2  # and the other preview guest


def test_many_guests_are_told_in_chunks_with_flat_queries(
    event, windows, run_after_commit, monkeypatch, django_assert_max_num_queries
):
    invites = invites_of(event, 12)
    for invite in invites:
        run_after_commit(respond, invite, accept=True, window=windows[0])
    mail.outbox.clear()
    monkeypatch.setattr(tasks, "CHUNK", 5)
    published = []
    monkeypatch.setattr(
        tasks.sync_confirmation_chunk, "delay", lambda ids: published.append(list(ids))
    )
    run_after_commit(update_window, windows[0], changes=later(windows[0]))
    assert [len(chunk) for chunk in published] == [5, 5, 2]
    with django_assert_max_num_queries(7):
        tasks.sync_confirmation_chunk(published[0])
    with django_assert_max_num_queries(7):
        tasks.sync_confirmation_chunk(published[2])
    assert CheckInPass.objects.filter(sequence=1).count() == 7


def test_a_move_whose_announcement_was_lost_is_told_by_the_sweeper(
    guests, windows, django_capture_on_commit_callbacks
):
    # Saved without the after-commit hook (as when the broker was down at publish time).
    update_window(windows[0], changes=later(windows[0], hours=2))
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        told = tasks.sweep_unannounced_moves.apply().get()
    assert told == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [guests[0].guest_email, guests[1].guest_email]
    )
    # Told now: the next sweep finds nobody.
    mail.outbox.clear()
    assert tasks.sweep_unannounced_moves.apply().get() == 0
    assert mail.outbox == []
