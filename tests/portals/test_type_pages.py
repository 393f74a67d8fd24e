"""The invite type pages (portals/type_views.py) and the group page's types section."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from events.models import EntryWindow
from portals.invite_types import TypeSettings, create_invite_type
from portals.models import InviteType, Portal, PortalAllocation
from portals.services import live_types
from tests.conftest import make_portal


def type_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "VIP Preview",
        "code": "",
        "default_allocation": "10",
        "plus_ones_allowed": "1",
        "golden": "",
        "needs_approval": "",
    }
    data.update(overrides)
    return data


def test_a_group_of_one_type_shows_how_to_add_types(alice_client, org, group, portal) -> None:
    page = alice_client.get(reverse("portals:group_detail", args=[org.slug, group.public_id]))

    html = page.content.decode()
    assert "Invite types" in html
    assert "All invites of this group are of one kind" in html
    assert reverse("portals:type_create", args=[org.slug, group.public_id]) in html
    assert "Standard" not in html


def test_adding_a_type_gives_every_portal_its_allocation(alice_client, org, group, portal) -> None:
    response = alice_client.post(
        reverse("portals:type_create", args=[org.slug, group.public_id]),
        type_data(golden="on"),
    )

    assert response.status_code == 302
    vip = InviteType.objects.get(code="vip-preview")
    assert (vip.golden, vip.plus_ones_allowed) == (True, 1)
    assert PortalAllocation.objects.get(portal=portal, invite_type=vip).size == 10


def test_errors_are_shown_next_to_the_field(alice_client, org, group) -> None:
    url = reverse("portals:type_create", args=[org.slug, group.public_id])
    response = alice_client.post(url, type_data(code="standard"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_code_error"' in html
    assert "already has an invite type with the code" in html

    response = alice_client.post(url, type_data(code="Not a code!"))
    assert 'id="id_code_error"' in response.content.decode()


def test_the_group_page_lists_types_and_usage_per_portal(
    alice_client, org, group, portal, django_assert_max_num_queries
) -> None:
    create_invite_type(group, settings=TypeSettings(name="VIP", code="vip", default_allocation=3))
    for n in range(5):
        make_portal(group=group, name=f"Gallery {n}", allocation=2)
    url = reverse("portals:group_detail", args=[org.slug, group.public_id])
    alice_client.get(url)

    with django_assert_max_num_queries(20):
        page = alice_client.get(url)
    html = page.content.decode()
    assert "<code>vip</code>" in html
    assert "Standard 0/10" in html and "VIP 0/3" in html
    for n in range(10):
        make_portal(group=group, name=f"More {n}", allocation=2)
    with django_assert_max_num_queries(20):
        alice_client.get(url)


def test_editing_a_type_sets_its_windows(alice_client, org, group, event) -> None:
    window = EntryWindow.objects.create(
        organization=org,
        event=event,
        label="Thu 11:00",
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=4),
    )
    (standard,) = live_types(group)
    create_invite_type(group, settings=TypeSettings(name="VIP", code="vip"))
    url = reverse("portals:type_edit", args=[org.slug, group.public_id, standard.public_id])
    assert "Thu 11:00" in alice_client.get(url).content.decode()

    response = alice_client.post(
        url, type_data(name="Public days", code="public", windows=str(window.pk))
    )

    assert response.status_code == 302
    standard.refresh_from_db()
    assert (standard.name, standard.code) == ("Public days", "public")
    assert list(standard.windows.all()) == [window]


def test_removing_a_type_without_invites_deletes_it(alice_client, org, group, portal) -> None:
    vip = create_invite_type(group, settings=TypeSettings(name="VIP", code="vip"))
    url = reverse("portals:type_archive", args=[org.slug, group.public_id, vip.public_id])
    assert "Remove “VIP”?" in alice_client.get(url).content.decode()

    response = alice_client.post(url, follow=True)

    assert not InviteType.objects.filter(pk=vip.pk).exists()
    assert "is deleted" in response.content.decode()


def test_the_last_type_cannot_be_removed(alice_client, org, group) -> None:
    (standard,) = live_types(group)
    url = reverse("portals:type_archive", args=[org.slug, group.public_id, standard.public_id])

    response = alice_client.post(url, follow=True)

    assert InviteType.objects.filter(pk=standard.pk, archived_at__isnull=True).exists()
    assert "only invite type" in response.content.decode()


def test_the_portal_form_has_one_allocation_per_type(alice_client, org, group, portal) -> None:
    vip = create_invite_type(group, settings=TypeSettings(name="VIP Preview", code="vip-preview"))
    PortalAllocation.objects.filter(portal=portal, invite_type=vip).update(used=0)
    url = reverse("portals:portal_edit", args=[org.slug, portal.public_id])
    html = alice_client.get(url).content.decode()
    assert "Allocation — VIP Preview" in html and "Allocation — Standard" in html

    response = alice_client.post(
        url,
        {
            "name": portal.name,
            "allocation_standard": "12",
            "allocation_vip-preview": "4",
            "contact_email": "",
        },
    )

    assert response.status_code == 302
    portal.refresh_from_db()
    assert portal.allocation == 16


def test_an_allocation_below_what_was_used_is_refused_next_to_its_type(
    alice_client, org, group, portal
) -> None:
    vip = create_invite_type(group, settings=TypeSettings(name="VIP Preview", code="vip-preview"))
    PortalAllocation.objects.filter(portal=portal, invite_type=vip).update(size=10, used=3)
    Portal.objects.filter(pk=portal.pk).update(allocation=20, invites_used=3)

    response = alice_client.post(
        reverse("portals:portal_edit", args=[org.slug, portal.public_id]),
        {"name": portal.name, "allocation_standard": "10", "allocation_vip-preview": "2"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_allocation_vip-preview_error"' in html
    assert "VIP Preview: 3 invites already generated" in html


def test_a_new_portal_gets_the_sizes_typed_and_defaults_for_the_rest(
    alice_client, org, group
) -> None:
    create_invite_type(group, settings=TypeSettings(name="VIP", code="vip", default_allocation=3))

    alice_client.post(
        reverse("portals:portal_create", args=[org.slug, group.public_id]),
        {"name": "Studio Aalto", "allocation_standard": "7", "allocation_vip": ""},
    )

    portal = Portal.objects.get(name="Studio Aalto")
    sizes = dict(portal.allocations.values_list("invite_type__code", "size"))
    assert sizes == {"standard": 7, "vip": 3}


def test_an_outsider_gets_404_on_every_type_page(charlie_client, org, group) -> None:
    (standard,) = live_types(group)
    urls = [
        reverse("portals:type_create", args=[org.slug, group.public_id]),
        reverse("portals:type_edit", args=[org.slug, group.public_id, standard.public_id]),
        reverse("portals:type_archive", args=[org.slug, group.public_id, standard.public_id]),
    ]
    for url in urls:
        assert charlie_client.get(url).status_code == 404
        assert charlie_client.post(url, type_data()).status_code == 404


def test_a_type_of_another_group_is_404(alice_client, org, group, event) -> None:
    from tests.conftest import make_group

    other = make_group(organization=org, event=event, name="Sponsors")
    (theirs,) = live_types(other)
    url = reverse("portals:type_edit", args=[org.slug, group.public_id, theirs.public_id])
    assert alice_client.get(url).status_code == 404


def test_a_group_of_several_types_edits_its_defaults_on_the_types(alice_client, org, group) -> None:
    create_invite_type(group, settings=TypeSettings(name="VIP", code="vip"))
    url = reverse("portals:group_edit", args=[org.slug, group.public_id])

    html = alice_client.get(url).content.decode()
    assert 'name="default_allocation"' not in html
    assert "Each invite type has its own default allocation" in html
    response = alice_client.post(
        url, {"name": "Galleries", "kind": "exhibitor", "instructions": "", "share_all_invites": ""}
    )

    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.default_allocation, group.default_plus_ones) == ("Galleries", 20, 1)
