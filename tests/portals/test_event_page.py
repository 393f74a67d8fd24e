"""portals/event_page.py: the portal groups part of the event page."""

from django.urls import reverse
from django.utils import timezone

from portals.models import Portal
from tests.conftest import make_group, make_portal


def test_detail_lists_groups_with_their_counts(alice_client, org, event, group, portal):
    make_portal(
        organization=org,
        group=group,
        name="Studio Aalto",
        allocation=5,
        invites_used=2,
        status=Portal.Status.ASSIGNED,
        owner_email="o@aalto.example",
        assigned_at=timezone.now(),
    )
    make_group(organization=org, event=event, name="Sponsors", kind="sponsor")

    response = alice_client.get(reverse("events:detail", args=[org.slug, event.slug]))

    rows = {g.name: g for g in response.context["groups"]}
    exhibitors = rows["Exhibitors"]
    assert (exhibitors.portal_count, exhibitors.assigned_count) == (2, 1)
    assert (exhibitors.invites_used, exhibitors.invites_allocated) == (2, 15)
    assert (rows["Sponsors"].portal_count, rows["Sponsors"].invites_allocated) == (0, 0)
    page = response.content.decode()
    assert reverse("portals:group_detail", args=[org.slug, group.public_id]) in page
    assert "2 / 15" in page


def test_detail_without_groups_says_what_to_do_next(alice_client, org, event):
    page = alice_client.get(reverse("events:detail", args=[org.slug, event.slug])).content.decode()
    assert "No portal groups yet" in page
    assert reverse("portals:group_create", args=[org.slug, event.slug]) in page
