import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.conftest import client_for


@pytest.fixture
def staff_client(db):
    user = get_user_model().objects.create_superuser(
        username="ops", email="ops@artsvp.example", password="x" * 12
    )
    return client_for(user)


@pytest.mark.parametrize(
    ("model", "obj"),
    [("events_event", "event"), ("portals_portalgroup", "group"), ("portals_portal", "portal")],
)
def test_staff_can_list_search_and_open_events_groups_and_portals(
    staff_client, request, model, obj
):
    instance = request.getfixturevalue(obj)
    changelist = reverse(f"admin:{model}_changelist")

    assert staff_client.get(changelist).status_code == 200
    found = staff_client.get(changelist, {"q": instance.name})
    assert instance.name in found.content.decode()
    assert staff_client.get(reverse(f"admin:{model}_change", args=[instance.pk])).status_code == 200
