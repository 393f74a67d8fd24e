"""One home for the naming rules: group names per event, portal names per group.

The page, the API and the database refuse the same duplicates (ignoring
case), with the same domain error; existing duplicates are renamed by the
migration that adds the unique indexes.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from organizations.api_key_services import create_api_key
from portals import errors, services
from portals.models import Portal, PortalGroup
from tests.api.conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(org, alice) -> ApiClient:
    return ApiClient(create_api_key(org, name="CRM sync", created_by=alice).secret)


def test_the_api_refuses_a_group_name_the_event_already_has(api: ApiClient, event, group):
    response = api.post(
        f"/events/{event.public_id}/portal-groups", {"name": "  EXHIBITORS ", "kind": "sponsor"}
    )

    body = assert_error(response, 409, "duplicate_group_name")
    assert body["details"] == {"name": "EXHIBITORS"}
    assert PortalGroup.objects.filter(event=event).count() == 1


def test_the_api_refuses_renaming_a_group_to_another_groups_name(api: ApiClient, event, group):
    sponsors = services.create_group(event, settings=services.GroupSettings(name="Sponsors"))

    response = api.patch(f"/portal-groups/{sponsors.public_id}", {"name": "exhibitors"})

    assert_error(response, 409, "duplicate_group_name")
    sponsors.refresh_from_db()
    assert sponsors.name == "Sponsors"


def test_renaming_a_group_to_its_own_name_in_another_case_is_allowed(api: ApiClient, group):
    response = api.patch(f"/portal-groups/{group.public_id}", {"name": "EXHIBITORS"})

    assert response.status_code == 200
    group.refresh_from_db()
    assert group.name == "EXHIBITORS"


def test_the_page_shows_the_services_error_next_to_the_name(alice_client, org, event, group):
    response = alice_client.post(
        reverse("portals:group_create", args=[org.slug, event.slug]),
        {"name": "exhibitors", "kind": "sponsor", "default_allocation": 5, "default_plus_ones": 0},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        errors.DuplicateGroupName("exhibitors").args[0]
    ]
    assert PortalGroup.objects.filter(event=event).count() == 1


def test_a_name_taken_after_the_form_checked_it_is_a_field_error_not_a_500(
    alice_client, org, event, group, monkeypatch
):
    # Another organizer creates "Exhibitors" between this form's check and the write.
    monkeypatch.setattr("portals.forms.check_group_name", lambda *args, **kwargs: None)

    response = alice_client.post(
        reverse("portals:group_create", args=[org.slug, event.slug]),
        {"name": "EXHIBITORS", "kind": "sponsor", "default_allocation": 5, "default_plus_ones": 0},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        errors.DuplicateGroupName("EXHIBITORS").args[0]
    ]
    assert PortalGroup.objects.filter(event=event).count() == 1


def test_the_service_refuses_a_duplicate_group_name(event, group):
    with pytest.raises(errors.DuplicateGroupName):
        services.create_group(event, settings=services.GroupSettings(name="Exhibitors"))


def test_the_database_refuses_duplicate_group_names_whoever_writes(event, group):
    with pytest.raises(IntegrityError), transaction.atomic():
        PortalGroup.objects.create(organization=event.organization, event=event, name="EXHIBITORS")


def test_the_database_refuses_duplicate_portal_names_in_a_group(group, portal):
    with pytest.raises(IntegrityError), transaction.atomic():
        Portal.objects.create(
            organization=group.organization, group=group, name="GALERIE NORD", allocation=1
        )


def test_the_same_names_are_fine_in_another_event_or_group(org, event, group, portal):
    other = services.create_group(event, settings=services.GroupSettings(name="Sponsors"))
    services.create_portal(other, name="Galerie Nord")
    assert Portal.objects.filter(name="Galerie Nord").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_existing_duplicates_before_adding_the_constraints(org, event):
    executor = MigrationExecutor(connection)
    before = [("portals", "0004_owner_code_budgets_per_client")]
    after = [("portals", "0005_unique_group_and_portal_names")]
    try:
        executor.migrate(before)
        apps = executor.loader.project_state(before).apps
        group_model = apps.get_model("portals", "PortalGroup")
        portal_model = apps.get_model("portals", "Portal")
        groups = [
            group_model.objects.create(organization_id=org.pk, event_id=event.pk, name=name)
            for name in ("Sponsors", "SPONSORS", "Sponsors (2)", "sponsors")
        ]
        for name in ("Galerie Nord", "galerie nord"):
            portal_model.objects.create(
                organization_id=org.pk, group_id=groups[0].pk, name=name, allocation=1
            )

        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        call_command("migrate", verbosity=0)

    names = list(
        PortalGroup.objects.filter(event=event).order_by("id").values_list("name", flat=True)
    )
    assert names == ["Sponsors", "SPONSORS (3)", "Sponsors (2)", "sponsors (4)"]
    portals = Portal.objects.filter(group_id=groups[0].pk).order_by("id")
    assert list(portals.values_list("name", flat=True)) == ["Galerie Nord", "galerie nord (2)"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"default_allocation": -1}, "default_allocation"),
        ({"default_allocation": services.MAX_ALLOCATION + 1}, "default_allocation"),
        ({"default_plus_ones": services.MAX_PLUS_ONES + 1}, "default_plus_ones"),
    ],
)
def test_the_service_refuses_group_settings_the_form_and_schema_refuse(event, changes, field):
    settings = services.GroupSettings(**{"name": "Sponsors", **changes})
    with pytest.raises(errors.InvalidGroupSettings) as refused:
        services.create_group(event, settings=settings)
    assert refused.value.field == field
    assert not PortalGroup.objects.filter(event=event, name="Sponsors").exists()
