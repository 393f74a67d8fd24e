"""events/page.py: the registry through which the apps above fill the event page."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from events import page


@pytest.fixture
def parts(monkeypatch):
    """The registered parts, restored after the test."""
    registered = dict(page._parts)
    monkeypatch.setattr(page, "_parts", registered)
    return registered


def test_the_apps_above_register_their_parts_in_installed_apps_order(parts):
    assert list(parts) == ["portals", "entry_windows", "door", "door_staff", "invites"]


def test_a_part_renders_its_template_in_its_place_with_its_context(
    alice_client, org, event, parts, settings, tmp_path
):
    (tmp_path / "_door.html").write_text("<p>Door opens at {{ door_opens }}</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    page.register_event_page_part(
        "door", context=lambda event: {"door_opens": "10:00"}, templates={"summary": "_door.html"}
    )

    response = alice_client.get(reverse("events:detail", args=[org.slug, event.slug]))

    assert "<p>Door opens at 10:00</p>" in response.content.decode()
    assert response.context["page_parts"]["summary"][-1] == "_door.html"


def test_two_parts_that_set_the_same_name_are_refused(event, parts):
    page.register_event_page_part("one", context=lambda event: {"x": 1}, templates={})
    page.register_event_page_part("two", context=lambda event: {"x": 2}, templates={})

    with pytest.raises(ImproperlyConfigured, match="'two' sets \\['x'\\]"):
        page.event_page_context(event)


def test_a_place_the_page_does_not_have_is_refused(parts):
    with pytest.raises(ImproperlyConfigured, match="no place named"):
        page.register_event_page_part(
            "x",
            context=lambda event: {},
            templates={"footer": "x.html"},  # type: ignore[dict-item]  # the wrong place is the point
        )
