"""A portal group's instructions per language through the API."""

from __future__ import annotations

import pytest

from portals.models import PortalGroup
from tests.api.conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db


def test_the_api_reads_and_writes_the_versions(api: ApiClient, group):
    response = api.patch(
        f"/portal-groups/{group.public_id}",
        {"translations": {"de": {"instructions": "Willkommen."}, "it": {"instructions": ""}}},
    )

    assert response.status_code == 200, response.content
    assert response.json()["translations"] == {"de": {"instructions": "Willkommen."}}
    listed = api.get(f"/events/{group.event.public_id}/portal-groups").json()["items"]
    assert listed[0]["translations"] == {"de": {"instructions": "Willkommen."}}


def test_the_api_refuses_an_unknown_language(api: ApiClient, event):
    response = api.post(
        f"/events/{event.public_id}/portal-groups",
        {"name": "Sponsors", "translations": {"tlh": {"instructions": "Qapla'"}}},
    )

    assert_error(response, 422, "invalid")
    assert not PortalGroup.objects.filter(name="Sponsors").exists()
