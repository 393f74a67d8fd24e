"""The group page's portal list at fair scale: keyset pages, search, state filter, counts."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portals.models import Portal
from portals.views import PORTALS_PER_PAGE

pytestmark = pytest.mark.django_db


def group_url(org, group) -> str:
    return reverse("portals:group_detail", args=[org.slug, group.public_id])


def make_portals(group, count, *, start=0, **fields):
    """`count` portals in one insert (no allocations: the page shows none for them)."""
    return Portal.objects.bulk_create(
        Portal(
            organization=group.organization,
            group=group,
            name=f"Gallery {n:04}",
            allocation=5,
            contact_email=f"desk{n}@gallery{n}.example",
            **fields,
        )
        for n in range(start, start + count)
    )


def assign(portal, owner):
    Portal.objects.filter(pk=portal.pk).update(
        status=Portal.Status.ASSIGNED, owner_email=owner, assigned_at=timezone.now()
    )


def names(response) -> list[str]:
    return [row.portal.name for row in response.context["portals"]]


def link(response, rel) -> str:
    """The query of the page's Next or Previous link ("" without one)."""
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return html.unescape(match[1]) if match else ""


def test_next_walks_every_portal_once_in_name_order_fifty_a_page(alice_client, org, group):
    make_portals(group, 120)
    url = group_url(org, group)
    response = alice_client.get(url)
    seen = names(response)
    assert len(seen) == PORTALS_PER_PAGE
    assert link(response, "prev") == ""
    while after := link(response, "next"):
        response = alice_client.get(url + after)
        seen += names(response)

    assert seen == sorted(f"Gallery {n:04}" for n in range(120))
    assert len(names(response)) == 20


def test_previous_goes_back_to_the_page_before(alice_client, org, group):
    make_portals(group, 120)
    url = group_url(org, group)
    first = alice_client.get(url)
    second = alice_client.get(url + link(first, "next"))
    third = alice_client.get(url + link(second, "next"))

    back = alice_client.get(url + link(third, "prev"))
    assert names(back) == names(second)
    back_again = alice_client.get(url + link(back, "prev"))
    assert names(back_again) == names(first)
    assert link(back_again, "prev") == ""


def test_a_portal_added_while_paging_does_not_shift_the_next_page(alice_client, org, group):
    make_portals(group, 60)
    url = group_url(org, group)
    first = alice_client.get(url)
    # Sorts before every portal on the first page.
    Portal.objects.create(organization=org, group=group, name="Aaa Gallery", allocation=5)

    second = alice_client.get(url + link(first, "next"))

    assert names(second)[0] == "Gallery 0050"
    assert len(names(second)) == 10


def test_a_deep_page_reads_no_offset(alice_client, org, group):
    make_portals(group, 160)
    url = group_url(org, group)
    response = alice_client.get(url)
    response = alice_client.get(url + link(response, "next"))
    with CaptureQueriesContext(connection) as queries:
        response = alice_client.get(url + link(response, "next"))

    assert names(response)[0] == "Gallery 0100"
    assert not [q for q in queries.captured_queries if "OFFSET" in q["sql"].upper()]


def test_search_finds_a_portal_by_name_contact_or_owner_email_and_says_how_many_match(
    alice_client, org, group
):
    portals = make_portals(group, 200)
    assign(portals[7], "Max@Owner.example")
    url = group_url(org, group)

    by_name = alice_client.get(url, {"q": "gallery 0042"})
    by_contact = alice_client.get(url, {"q": "desk13@"})
    by_owner = alice_client.get(url, {"q": "max@owner"})

    assert names(by_name) == ["Gallery 0042"]
    assert "1 of 200 portals match" in by_name.content.decode()
    assert names(by_contact) == ["Gallery 0013"]
    assert names(by_owner) == ["Gallery 0007"]


def test_the_state_filter_and_the_search_combine_and_the_totals_stay_the_groups(
    alice_client, org, group
):
    portals = make_portals(group, 30)
    for portal in portals[:12]:
        assign(portal, "owner@example.com")
    Portal.objects.filter(pk=portals[29].pk).update(
        status=Portal.Status.REVOKED, revoked_at=timezone.now()
    )

    response = alice_client.get(group_url(org, group), {"state": "assigned", "q": "Gallery 001"})

    assert names(response) == [f"Gallery {n:04}" for n in range(10, 12)]
    page = response.content.decode()
    assert "2 of 30 portals match" in page
    summary = response.context["summary"]
    assert (summary["assigned"], summary["unassigned"], summary["revoked"]) == (12, 17, 1)


def test_filters_survive_paging_in_the_links(alice_client, org, group):
    make_portals(group, 120)
    url = group_url(org, group)

    response = alice_client.get(url, {"q": "Gallery", "state": "unassigned"})
    after = link(response, "next")

    assert "q=Gallery" in after and "state=unassigned" in after
    second = alice_client.get(url + after)
    assert names(second)[0] == "Gallery 0050"
    assert 'value="Gallery"' in second.content.decode()


def test_no_match_says_so_with_a_link_that_clears_the_filters(alice_client, org, group):
    make_portals(group, 3)
    url = group_url(org, group)

    page = html.unescape(alice_client.get(url, {"q": "Nowhere"}).content.decode())

    assert "No portal matches “Nowhere”" in page
    assert f'href="{url}">Clear filters and show every portal' in page
    assert "No portals yet" not in page


def test_an_unknown_state_is_a_field_error_and_a_broken_page_link_shows_the_first_page(
    alice_client, org, group
):
    make_portals(group, 60)

    response = alice_client.get(group_url(org, group), {"state": "lost", "cursor": "%%%broken"})

    assert response.status_code == 200
    assert response.context["filters"].errors["state"]
    assert names(response)[0] == "Gallery 0000"
    assert "That page link could not be read" in response.content.decode()


def test_the_page_query_count_does_not_grow_with_portals(
    alice_client, org, group, django_assert_max_num_queries
):
    make_portals(group, 5)
    url = group_url(org, group)
    alice_client.get(url)
    with django_assert_max_num_queries(30) as few:
        alice_client.get(url, {"q": "Gallery"})
    make_portals(group, 400, start=5)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = alice_client.get(url, {"q": "Gallery"})

    assert len(names(response)) == PORTALS_PER_PAGE


def test_another_organizations_group_is_not_found(charlie_client, org, group):
    make_portals(group, 3)

    response = charlie_client.get(group_url(org, group), {"q": "Gallery"})

    assert response.status_code == 404
