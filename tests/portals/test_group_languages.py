"""A portal group's instructions per language of its event: the form (the API: tests/api)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portals.models import PortalGroup
from tests.portals.test_groups import group_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def bilingual(event):
    event.other_languages = ["de"]
    event.save()
    return event


def test_the_group_form_has_instructions_per_other_language(alice_client, org, bilingual):
    page = alice_client.get(reverse("portals:group_create", args=[org.slug, bilingual.slug]))

    content = page.content.decode()
    assert "Instructions for portal owners (Deutsch)" in content
    assert "(Français)" not in content


def test_the_versions_are_saved_and_an_empty_one_removed(alice_client, org, bilingual, group):
    group.translations = {"de": {"instructions": "Alt."}, "fr": {"instructions": "Vieux."}}
    group.save()

    response = alice_client.post(
        reverse("portals:group_edit", args=[org.slug, group.public_id]),
        group_data(name=group.name, instructions_de="Bringen Sie Ihre Kunden mit."),
    )

    assert response.status_code == 302
    group.refresh_from_db()
    # French is no language of the event now: its text stays, unused.
    assert group.translations == {
        "de": {"instructions": "Bringen Sie Ihre Kunden mit."},
        "fr": {"instructions": "Vieux."},
    }
    alice_client.post(
        reverse("portals:group_edit", args=[org.slug, group.public_id]),
        group_data(name=group.name, instructions_de=""),
    )
    group.refresh_from_db()
    assert group.translations == {"fr": {"instructions": "Vieux."}}


def test_a_new_group_keeps_its_versions(alice_client, org, bilingual):
    alice_client.post(
        reverse("portals:group_create", args=[org.slug, bilingual.slug]),
        group_data(instructions_de="Willkommen."),
    )

    group = PortalGroup.objects.get(name="Sponsors")
    assert group.translations == {"de": {"instructions": "Willkommen."}}
