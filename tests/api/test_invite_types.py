"""GET, POST /portal-groups/{id}/invite-types; PATCH /invite-types/{id}; a portal's
`allocations` per type."""

from __future__ import annotations

from datetime import timedelta

from events.models import EntryWindow
from portals.invite_types import TypeSettings, create_invite_type
from portals.models import InviteType, Portal, PortalAllocation
from portals.services import live_types
from tests.api.conftest import ApiClient, assert_error

VIP = {"name": "VIP Preview", "code": "vip-preview", "default_allocation": 10, "golden": True}


def test_it_lists_a_groups_types_with_their_usage(api: ApiClient, group, portal) -> None:
    items = api.get(f"/portal-groups/{group.public_id}/invite-types").json()["items"]

    (standard,) = live_types(group)
    assert items == [
        {
            "id": standard.public_id,
            "group_id": group.public_id,
            "name": "Standard",
            "code": "standard",
            "default_allocation": 20,
            "plus_ones_allowed": 1,
            "golden": False,
            "needs_approval": False,
            "windows": [],
            "position": 0,
            "archived": False,
            "allocated": 10,
            "used": 0,
            "created_at": items[0]["created_at"],
        }
    ]


def test_it_adds_a_type_and_every_portal_gets_its_allocation(
    api: ApiClient, group, portal, event
) -> None:
    window = EntryWindow.objects.create(
        organization=event.organization,
        event=event,
        label="Thu 11:00",
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=4),
    )

    response = api.post(
        f"/portal-groups/{group.public_id}/invite-types", {**VIP, "windows": [window.public_id]}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["golden"], body["windows"], body["allocated"]) == (
        "vip-preview",
        True,
        [window.public_id],
        10,
    )
    assert PortalAllocation.objects.get(portal=portal, invite_type__code="vip-preview").size == 10


def test_a_duplicate_code_is_a_conflict(api: ApiClient, group) -> None:
    api.post(f"/portal-groups/{group.public_id}/invite-types", VIP)

    body = assert_error(
        api.post(f"/portal-groups/{group.public_id}/invite-types", VIP),
        409,
        "duplicate_invite_type_code",
    )
    assert "code" in body["details"]["fields"]


def test_an_eleventh_type_is_a_conflict(api: ApiClient, group) -> None:
    for n in range(9):
        create_invite_type(group, settings=TypeSettings(name=f"T{n}", code=f"t-{n}"))
    assert_error(
        api.post(f"/portal-groups/{group.public_id}/invite-types", VIP),
        409,
        "too_many_invite_types",
    )


def test_bad_values_and_unknown_windows_are_422(api: ApiClient, group, event) -> None:
    url = f"/portal-groups/{group.public_id}/invite-types"
    body = assert_error(api.post(url, {**VIP, "code": "Not a code"}), 422, "invalid")
    assert "code" in body["details"]["fields"]
    body = assert_error(api.post(url, {**VIP, "windows": ["zzzzzzzzzzzzzz"]}), 422, "invalid")
    assert "windows" in body["details"]["fields"]
    assert InviteType.objects.filter(group=group).count() == 1


def test_it_changes_a_type(api: ApiClient, group) -> None:
    vip = create_invite_type(group, settings=TypeSettings(name="VIP", code="vip"))

    response = api.patch(f"/invite-types/{vip.public_id}", {"plus_ones_allowed": 2, "position": 5})

    assert response.status_code == 200, response.content
    assert (response.json()["plus_ones_allowed"], response.json()["position"]) == (2, 5)
    assert_error(
        api.patch(f"/invite-types/{vip.public_id}", {"code": "standard"}),
        409,
        "duplicate_invite_type_code",
    )


def test_another_organizations_group_and_type_are_404(outsider_api: ApiClient, group) -> None:
    (standard,) = live_types(group)
    assert_error(
        outsider_api.get(f"/portal-groups/{group.public_id}/invite-types"), 404, "not_found"
    )
    assert_error(
        outsider_api.post(f"/portal-groups/{group.public_id}/invite-types", VIP), 404, "not_found"
    )
    assert_error(
        outsider_api.patch(f"/invite-types/{standard.public_id}", {"name": "Mine"}),
        404,
        "not_found",
    )
    standard.refresh_from_db()
    assert standard.name == "Standard"


# --- A portal's allocations ------------------------------------------------------------


def test_a_portal_shows_its_allocation_per_type(api: ApiClient, group, portal) -> None:
    create_invite_type(group, settings=TypeSettings(name="VIP", code="vip", default_allocation=3))

    body = api.get(f"/portals/{portal.public_id}").json()

    assert body["allocation"] == 13
    assert body["allocations"] == [
        {"invite_type": "standard", "size": 10, "used": 0},
        {"invite_type": "vip", "size": 3, "used": 0},
    ]
    listed = api.get(f"/portal-groups/{group.public_id}/portals").json()["items"]
    assert listed[0]["allocations"] == body["allocations"]


def test_a_portal_is_created_with_sizes_per_type(api: ApiClient, group) -> None:
    create_invite_type(group, settings=TypeSettings(name="VIP", code="vip", default_allocation=3))

    response = api.post(
        f"/portal-groups/{group.public_id}/portals",
        {"name": "Studio Aalto", "allocations": [{"invite_type": "VIP", "size": 7}]},
    )

    assert response.status_code == 201, response.content
    assert response.json()["allocations"] == [
        {"invite_type": "standard", "size": 20, "used": 0},
        {"invite_type": "vip", "size": 7, "used": 0},
    ]


def test_a_portals_sizes_change_per_type(api: ApiClient, group, portal) -> None:
    create_invite_type(group, settings=TypeSettings(name="VIP", code="vip", default_allocation=3))

    response = api.patch(
        f"/portals/{portal.public_id}", {"allocations": [{"invite_type": "vip", "size": 8}]}
    )

    assert response.status_code == 200, response.content
    assert response.json()["allocation"] == 18
    portal.refresh_from_db()
    assert portal.allocation == 18


def test_an_unknown_type_in_allocations_is_422_naming_the_known_ones(
    api: ApiClient, group, portal
) -> None:
    body = assert_error(
        api.patch(
            f"/portals/{portal.public_id}", {"allocations": [{"invite_type": "gold", "size": 1}]}
        ),
        422,
        "invalid",
    )
    assert "standard" in body["details"]["fields"]["allocations"][0]
    body = assert_error(
        api.post(
            f"/portal-groups/{group.public_id}/portals",
            [{"name": "A"}, {"name": "B", "allocations": [{"invite_type": "gold", "size": 1}]}],
        ),
        422,
        "invalid",
    )
    assert "1.allocations" in body["details"]["fields"]
    assert Portal.objects.count() == 1


def test_a_size_below_what_was_used_is_refused(api: ApiClient, group, portal) -> None:
    vip = create_invite_type(group, settings=TypeSettings(name="VIP", code="vip"))
    PortalAllocation.objects.filter(portal=portal, invite_type=vip).update(size=10, used=4)
    Portal.objects.filter(pk=portal.pk).update(allocation=20, invites_used=4)

    body = assert_error(
        api.patch(
            f"/portals/{portal.public_id}", {"allocations": [{"invite_type": "vip", "size": 3}]}
        ),
        409,
        "allocation_below_used",
    )
    assert body["details"]["used"] == 4
