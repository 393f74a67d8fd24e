"""Answers close at a time the organizer sets per event (default: the event's end)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.urls import reverse

from events.models import Event
from tests.events.test_events import event_data


def test_the_event_form_reads_the_deadline_in_the_events_zone(alice_client, org) -> None:
    alice_client.post(
        reverse("events:create", args=[org.slug]),
        event_data(answers_close_at="2030-10-04T18:00"),
    )

    event = Event.objects.get()
    # 18:00 in Zurich (summer time) is 16:00 UTC.
    assert event.answers_close_at == datetime(2030, 10, 4, 16, 0, tzinfo=UTC)
    page = alice_client.get(reverse("events:edit", args=[org.slug, event.slug]))
    assert 'value="2030-10-04T18:00"' in page.content.decode()
    detail = alice_client.get(reverse("events:detail", args=[org.slug, event.slug]))
    assert "Answers close" in detail.content.decode()


def test_blank_means_when_the_event_ends(alice_client, org) -> None:
    alice_client.post(reverse("events:create", args=[org.slug]), event_data())

    event = Event.objects.get()
    assert event.answers_close_at is None
    assert event.answers_deadline == event.ends_at


def test_answers_may_close_before_the_event_starts(alice_client, org, event) -> None:
    response = alice_client.post(
        reverse("events:edit", args=[org.slug, event.slug]),
        event_data(slug=event.slug, answers_close_at="2030-09-01T12:00"),
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.answers_close_at == datetime(2030, 9, 1, 10, 0, tzinfo=UTC)
