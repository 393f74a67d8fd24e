from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from invites.models import Invite, InviteBatch
from portals.models import Portal, PortalAllocation, PortalGroup
from tests.conftest import give_credits, make_group, make_portal


def group_data(**overrides):
    data = {
        "name": "Sponsors",
        "kind": "sponsor",
        "default_allocation": "50",
        "default_plus_ones": "2",
        "instructions": "Bring your clients to the VIP lounge.",
        "share_all_invites": "on",
    }
    data.update(overrides)
    return data


def assigned_portal(group, name, *, allocation=10, used=0, owner="owner@example.com"):
    return make_portal(
        organization=group.organization,
        group=group,
        name=name,
        allocation=allocation,
        invites_used=used,
        status=Portal.Status.ASSIGNED,
        owner_email=owner,
        assigned_at=timezone.now(),
    )


def add_invites(portal, *, accepted=0, declined=0, created=0):
    total = accepted + declined + created
    allocation = PortalAllocation.objects.filter(portal=portal).select_related("invite_type")[0]
    batch = InviteBatch.objects.create(
        organization=portal.organization,
        event=portal.group.event,
        portal=portal,
        method=InviteBatch.Method.BLANK,
        size=total,
    )
    statuses = (
        [Invite.Status.ACCEPTED] * accepted
        + [Invite.Status.DECLINED] * declined
        + [Invite.Status.CREATED] * created
    )
    Invite.objects.bulk_create(
        Invite(
            organization=portal.organization,
            event=portal.group.event,
            batch=batch,
            portal=portal,
            invite_type=allocation.invite_type,
            status=status,
        )
        for status in statuses
    )
    Portal.objects.filter(pk=portal.pk).update(invites_used=total)
    PortalAllocation.objects.filter(pk=allocation.pk).update(used=total)


# --- Create and edit -----------------------------------------------------------


def test_a_member_creates_a_portal_group(bob_client, org, event):
    response = bob_client.post(
        reverse("portals:group_create", args=[org.slug, event.slug]), group_data()
    )

    group = PortalGroup.objects.get(event=event)
    assert response["Location"] == reverse("portals:group_detail", args=[org.slug, group.public_id])
    assert (group.name, group.kind, group.default_allocation, group.default_plus_ones) == (
        "Sponsors",
        "sponsor",
        50,
        2,
    )
    assert group.instructions == "Bring your clients to the VIP lounge."
    assert group.share_all_invites is True
    assert group.organization == org


def test_sharing_all_invites_is_off_unless_chosen(alice_client, org, event):
    alice_client.post(
        reverse("portals:group_create", args=[org.slug, event.slug]),
        group_data(share_all_invites=""),
    )
    assert PortalGroup.objects.get(event=event).share_all_invites is False


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "exhibitors"}, "name", "This event already has a portal group with this name."),
        ({"kind": "vip"}, "kind", "Select a valid choice."),
        ({"default_allocation": "-1"}, "default_allocation", "greater than or equal to 0"),
        ({"default_allocation": "100001"}, "default_allocation", "less than or equal to 100000"),
        ({"default_plus_ones": "51"}, "default_plus_ones", "less than or equal to 50"),
    ],
)
def test_invalid_group_input_shows_errors_and_saves_nothing(
    alice_client, org, event, group, overrides, field, message
):
    response = alice_client.post(
        reverse("portals:group_create", args=[org.slug, event.slug]), group_data(**overrides)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert list(PortalGroup.objects.filter(event=event)) == [group]


def test_editing_a_group_keeps_existing_portals_allocations(alice_client, org, group, portal):
    response = alice_client.post(
        reverse("portals:group_edit", args=[org.slug, group.public_id]),
        group_data(name="Galleries", kind="exhibitor", default_allocation="99"),
    )
    group.refresh_from_db()
    portal.refresh_from_db()
    assert response.status_code == 302
    assert (group.name, group.default_allocation) == ("Galleries", 99)
    assert portal.allocation == 10


def test_a_group_may_keep_its_own_name_when_edited(alice_client, org, group):
    response = alice_client.post(
        reverse("portals:group_edit", args=[org.slug, group.public_id]),
        group_data(name="Exhibitors"),
    )
    assert response.status_code == 302


def test_invalid_group_edit_changes_nothing(alice_client, org, event, group):
    make_group(organization=org, event=event, name="Sponsors")
    before = PortalGroup.objects.values().get(pk=group.pk)

    response = alice_client.post(
        reverse("portals:group_edit", args=[org.slug, group.public_id]),
        group_data(name="Sponsors"),
    )

    assert response.status_code == 200
    assert PortalGroup.objects.values().get(pk=group.pk) == before
    assert "Exhibitors" in response.content.decode()  # the breadcrumb keeps the stored name


# --- The group page ------------------------------------------------------------


def test_group_page_lists_portals_with_state_owner_usage_and_accepted(
    alice_client, org, group, portal
):
    claimed = assigned_portal(group, "Studio Aalto", allocation=8, owner="mia@aalto.example")
    add_invites(claimed, accepted=3, declined=1, created=2)
    revoked = make_portal(
        organization=org,
        group=group,
        name="Zed Gallery",
        allocation=4,
        status=Portal.Status.REVOKED,
        revoked_at=timezone.now(),
    )

    response = alice_client.get(reverse("portals:group_detail", args=[org.slug, group.public_id]))

    page = response.content.decode()
    rows = {row.portal.name: row for row in response.context["portals"]}
    assert rows["Studio Aalto"].accepted_count == 3
    assert rows["Galerie Nord"].accepted_count == 0
    assert '<span class="badge assigned">Assigned</span>' in page
    assert '<span class="badge unassigned">Unassigned</span>' in page
    assert '<span class="badge revoked">Revoked</span>' in page
    assert "mia@aalto.example" in page
    assert "6 / 8" in page
    assert "0 / 10" in page
    # Each live portal's secret link, with a copy button; the revoked one has none.
    for live in (portal, claimed):
        assert f'value="{settings.SITE_URL}/p/{live.token}/"' in page
        assert f'data-copy="#link-{live.public_id}"' in page
    # Every row links to its portal's page.
    for shown in (portal, claimed, revoked):
        detail = reverse("portals:portal_detail", args=[org.slug, shown.public_id])
        assert f'<a href="{detail}"><strong>{shown.name}</strong></a>' in page
    assert revoked.token not in page
    summary = response.context["summary"]
    assert (summary["portals"], summary["assigned"], summary["revoked"]) == (3, 1, 1)
    assert (summary["invites_used"], summary["invites_allocated"], summary["accepted"]) == (
        6,
        22,
        3,
    )


def test_group_page_shows_the_credits_panel(alice_client, org, group):
    give_credits(org, portal=7, invite=120)
    response = alice_client.get(reverse("portals:group_detail", args=[org.slug, group.public_id]))
    assert "credits/_credits_panel.html" in [t.name for t in response.templates]
    balances = response.context["credit_balances"]
    assert (balances.portal, balances.invite) == (7, 120)
    page = response.content.decode()
    assert "120" in page
    assert reverse("billing:billing", args=[org.slug]) + "#bundles" in page


def test_empty_group_says_what_to_do_next(alice_client, org, group):
    page = alice_client.get(
        reverse("portals:group_detail", args=[org.slug, group.public_id])
    ).content.decode()
    assert "No portals yet" in page
    assert reverse("portals:portal_create", args=[org.slug, group.public_id]) in page
    assert reverse("portals:portal_import", args=[org.slug, group.public_id]) in page


def test_group_page_query_count_does_not_grow_with_portals(
    alice_client, org, group, django_assert_max_num_queries
):
    give_credits(org, portal=1, invite=1)
    url = reverse("portals:group_detail", args=[org.slug, group.public_id])
    for n in range(3):
        add_invites(assigned_portal(group, f"Gallery {n:02}"), accepted=1, created=1)
    alice_client.get(url)
    # The invite types with their usage and windows, and every portal's allocations: 3;
    # the page's portals, the group's totals and its accepted guests (keyset pages): 2 more.
    with django_assert_max_num_queries(15) as three:
        alice_client.get(url)
    for n in range(3, 30):
        add_invites(assigned_portal(group, f"Gallery {n:02}"), accepted=2)

    with django_assert_max_num_queries(len(three.captured_queries)):
        response = alice_client.get(url)

    assert len(response.context["portals"]) == 30
    assert response.context["summary"]["accepted"] == 3 + 27 * 2
