"""Portal groups and portals: GET, POST, PATCH."""

from __future__ import annotations

from typing import Any

from credits.ledger import balances
from events.models import Event
from organizations.models import Organization
from portals.models import Portal, PortalGroup
from tests.api.conftest import ApiClient, assert_error
from tests.conftest import give_credits

# --- Portal groups ---------------------------------------------------------------------------


def test_it_lists_an_events_groups(api: ApiClient, event: Event, group: PortalGroup) -> None:
    response = api.get(f"/events/{event.public_id}/portal-groups")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": group.public_id,
                "event_id": event.public_id,
                "name": "Exhibitors",
                "kind": "exhibitor",
                "default_allocation": 20,
                "default_plus_ones": 1,
                "instructions": "Invite your collectors before 1 May.",
                "translations": {},
                "share_all_invites": False,
                "created_at": response.json()["items"][0]["created_at"],
            }
        ],
        "next_cursor": None,
    }


def test_it_creates_a_group(api: ApiClient, event: Event) -> None:
    response = api.post(
        f"/events/{event.public_id}/portal-groups",
        {"name": " Sponsors ", "kind": "sponsor", "default_allocation": 5},
    )

    assert response.status_code == 201
    group = PortalGroup.objects.get(public_id=response.json()["id"])
    assert (group.event, group.name, group.kind, group.default_allocation) == (
        event,
        "Sponsors",
        "sponsor",
        5,
    )


def test_invalid_groups_are_refused(api: ApiClient, event: Event) -> None:
    response = api.post(
        f"/events/{event.public_id}/portal-groups",
        {"name": "", "kind": "royalty", "default_allocation": -1},
    )

    fields = assert_error(response, 422, "invalid")["details"]["fields"]
    assert set(fields) == {"name", "kind", "default_allocation"}
    assert not PortalGroup.objects.exists()


def test_it_reads_and_changes_a_group(api: ApiClient, group: PortalGroup) -> None:
    assert api.get(f"/portal-groups/{group.public_id}").json()["name"] == "Exhibitors"

    response = api.patch(
        f"/portal-groups/{group.public_id}", {"share_all_invites": True, "instructions": "Hi"}
    )

    assert response.status_code == 200
    group.refresh_from_db()
    assert (group.share_all_invites, group.instructions, group.name) == (True, "Hi", "Exhibitors")
    assert_error(api.patch(f"/portal-groups/{group.public_id}", {"kind": "x"}), 422, "invalid")


def test_another_organization_cannot_reach_the_groups(
    outsider_api: ApiClient, event: Event, group: PortalGroup
) -> None:
    assert_error(outsider_api.get(f"/events/{event.public_id}/portal-groups"), 404, "not_found")
    response = outsider_api.post(f"/events/{event.public_id}/portal-groups", {"name": "Mine"})
    assert_error(response, 404, "not_found")
    assert_error(outsider_api.get(f"/portal-groups/{group.public_id}"), 404, "not_found")
    response = outsider_api.patch(f"/portal-groups/{group.public_id}", {"name": "Mine"})
    assert_error(response, 404, "not_found")
    assert list(PortalGroup.objects.values_list("name", flat=True)) == ["Exhibitors"]


# --- Portals --------------------------------------------------------------------------------


def test_a_portal_shows_its_link_and_usage(
    api: ApiClient, assigned_portal: Portal, group: PortalGroup, settings: Any
) -> None:
    response = api.get(f"/portals/{assigned_portal.public_id}")

    body = response.json()
    assert body["url"] == f"{settings.SITE_URL}/p/{assigned_portal.token}/"
    assert {key: body[key] for key in ("id", "name", "status", "owner_email", "group_id")} == {
        "id": assigned_portal.public_id,
        "name": "Galerie Nord",
        "status": "assigned",
        "owner_email": "owner@galerie-nord.example",
        "group_id": group.public_id,
    }
    assert (body["allocation"], body["invites_used"], body["invites_remaining"]) == (10, 0, 10)
    assert body["contact_email"] == "hello@galerie-nord.example"


def test_it_lists_a_groups_portals(api: ApiClient, group: PortalGroup, portal: Portal) -> None:
    items = api.get(f"/portal-groups/{group.public_id}/portals").json()["items"]

    assert [item["id"] for item in items] == [portal.public_id]


def test_it_creates_one_portal_without_using_credits(
    api: ApiClient, group: PortalGroup, org: Organization
) -> None:
    response = api.post(
        f"/portal-groups/{group.public_id}/portals",
        {"name": "Studio Aalto", "contact_email": "studio@aalto.example"},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["status"], body["allocation"]) == ("Studio Aalto", "unassigned", 20)
    assert body["contact_email"] == "studio@aalto.example"
    assert balances(org).portal == 0


def test_it_creates_a_list_of_portals_all_or_none(api: ApiClient, group: PortalGroup) -> None:
    rows = [{"name": "Studio Aalto", "allocation": 5}, {"name": "Kunsthalle West"}]

    response = api.post(f"/portal-groups/{group.public_id}/portals", rows)

    assert response.status_code == 201
    assert [(p["name"], p["allocation"]) for p in response.json()] == [
        ("Studio Aalto", 5),
        ("Kunsthalle West", 20),
    ]
    again = api.post(
        f"/portal-groups/{group.public_id}/portals", [{"name": "New one"}, {"name": "studio aalto"}]
    )
    body = assert_error(again, 409, "duplicate_portal_name")
    assert body["details"] == {"names": ["studio aalto"]}
    assert not Portal.objects.filter(name="New one").exists()


def test_invalid_portals_are_refused(api: ApiClient, group: PortalGroup) -> None:
    response = api.post(
        f"/portal-groups/{group.public_id}/portals",
        [{"name": "Fine"}, {"name": "", "allocation": -3, "contact_email": "not an email"}],
    )

    fields = assert_error(response, 422, "invalid")["details"]["fields"]
    assert set(fields) == {"portals.1.name", "portals.1.allocation", "portals.1.contact_email"}
    assert_error(api.post(f"/portal-groups/{group.public_id}/portals", []), 422, "invalid")
    assert not Portal.objects.exists()


def test_patch_changes_name_allocation_and_contact(api: ApiClient, portal: Portal) -> None:
    response = api.patch(
        f"/portals/{portal.public_id}",
        {"name": "Galerie Nord & Süd", "allocation": 30, "contact_email": ""},
    )

    assert response.status_code == 200
    portal.refresh_from_db()
    assert (portal.name, portal.allocation, portal.contact_email) == ("Galerie Nord & Süd", 30, "")


def test_the_allocation_cannot_drop_below_what_is_used(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=5)
    api.post(f"/portals/{assigned_portal.public_id}/invites", {"blank": 4})

    response = api.patch(f"/portals/{assigned_portal.public_id}", {"allocation": 3})

    body = assert_error(response, 409, "allocation_below_used")
    assert body["details"] == {"used": 4, "requested": 3}
    assigned_portal.refresh_from_db()
    assert assigned_portal.allocation == 10


def test_the_owner_email_changes_without_a_new_credit(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    before = balances(org)

    response = api.patch(
        f"/portals/{assigned_portal.public_id}", {"owner_email": "new@galerie-nord.example"}
    )

    assert response.json()["owner_email"] == "new@galerie-nord.example"
    assert balances(org) == before


def test_an_unclaimed_portal_has_no_owner_email_to_change(api: ApiClient, portal: Portal) -> None:
    response = api.patch(
        f"/portals/{portal.public_id}", {"owner_email": "x@example.com", "allocation": 2}
    )

    assert_error(response, 409, "portal_not_assigned")
    portal.refresh_from_db()
    assert (portal.owner_email, portal.allocation) == ("", 10)


def test_revoking_a_portal_is_final(api: ApiClient, assigned_portal: Portal) -> None:
    response = api.patch(f"/portals/{assigned_portal.public_id}", {"revoked": True})

    assert response.json()["status"] == "revoked"
    assert response.json()["revoked_at"]
    assert_error(
        api.patch(f"/portals/{assigned_portal.public_id}", {"name": "Back"}), 409, "portal_revoked"
    )
    assert_error(
        api.patch(f"/portals/{assigned_portal.public_id}", {"revoked": False}), 422, "invalid"
    )
    assigned_portal.refresh_from_db()
    assert (assigned_portal.status, assigned_portal.name) == ("revoked", "Galerie Nord")


def test_another_organization_cannot_reach_the_portals(
    outsider_api: ApiClient, group: PortalGroup, portal: Portal
) -> None:
    assert_error(outsider_api.get(f"/portal-groups/{group.public_id}/portals"), 404, "not_found")
    response = outsider_api.post(f"/portal-groups/{group.public_id}/portals", {"name": "Mine"})
    assert_error(response, 404, "not_found")
    assert_error(outsider_api.get(f"/portals/{portal.public_id}"), 404, "not_found")
    response = outsider_api.patch(f"/portals/{portal.public_id}", {"revoked": True})
    assert_error(response, 404, "not_found")
    portal.refresh_from_db()
    assert portal.status == "unassigned"
    assert Portal.objects.count() == 1


# --- One PATCH, one transaction ---------------------------------------------------------------


def test_a_patch_refused_on_its_second_field_changes_nothing(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=5)
    api.post(f"/portals/{assigned_portal.public_id}/invites", {"blank": 4})

    response = api.patch(
        f"/portals/{assigned_portal.public_id}",
        {"name": "Galerie Süd", "contact_email": "new@example.com", "allocation": 3},
    )

    assert_error(response, 409, "allocation_below_used")
    assigned_portal.refresh_from_db()
    assert (assigned_portal.name, assigned_portal.contact_email, assigned_portal.allocation) == (
        "Galerie Nord",
        "hello@galerie-nord.example",
        10,
    )


def test_a_patch_that_renames_and_revokes_does_both_at_once(
    api: ApiClient, assigned_portal: Portal
) -> None:
    response = api.patch(
        f"/portals/{assigned_portal.public_id}",
        {"name": "Galerie Süd", "owner_email": "next@example.com", "revoked": True},
    )

    assert response.status_code == 200
    assigned_portal.refresh_from_db()
    assert (assigned_portal.name, assigned_portal.owner_email, assigned_portal.status) == (
        "Galerie Süd",
        "next@example.com",
        "revoked",
    )


def test_a_group_patch_refused_on_its_name_changes_nothing(
    api: ApiClient, event: Event, group: PortalGroup
) -> None:
    api.post(f"/events/{event.public_id}/portal-groups", {"name": "Sponsors"})

    response = api.patch(
        f"/portal-groups/{group.public_id}", {"kind": "sponsor", "name": "SPONSORS"}
    )

    assert_error(response, 409, "duplicate_group_name")
    group.refresh_from_db()
    assert (group.name, group.kind) == ("Exhibitors", "exhibitor")
