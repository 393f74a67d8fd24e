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


def test_an_entry_window_is_shown_read_only(staff_client, event):
    from events.models import EntryWindow

    window = EntryWindow.objects.create(
        organization=event.organization,
        event=event,
        label="VIP Preview",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        capacity=200,
    )
    url = reverse("admin:events_entrywindow_change", args=[window.pk])

    page = staff_client.get(url)
    assert page.status_code == 200
    assert 'name="capacity"' not in page.content.decode()
    staff_client.post(url, {"label": "Renamed", "capacity": "1"})
    window.refresh_from_db()
    assert (window.label, window.capacity) == ("VIP Preview", 200)
    assert staff_client.get(reverse("admin:events_entrywindow_add")).status_code == 403


def test_a_portals_allocations_and_a_groups_types_are_read_only(staff_client, group, portal):
    portal_page = staff_client.get(reverse("admin:portals_portal_change", args=[portal.pk]))
    html = portal_page.content.decode()
    assert "Standard" in html
    assert 'name="allocations-0-size"' not in html and 'name="allocations-0-used"' not in html

    group_page = staff_client.get(reverse("admin:portals_portalgroup_change", args=[group.pk]))
    html = group_page.content.decode()
    assert "standard" in html
    assert 'name="invite_types-0-code"' not in html
