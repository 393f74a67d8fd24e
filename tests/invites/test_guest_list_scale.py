"""The guest list at fair scale: keyset pages, one search box, a source filter
that works with 2,000 portals, and counts that say what they count."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invites.guest_list_views import GUESTS_PER_PAGE
from invites.models import Invite, InviteBatch
from portals.models import Portal
from tests.conftest import make_group

pytestmark = pytest.mark.django_db

ACCEPTED = Invite.Status.ACCEPTED


def guest_list(org, event) -> str:
    return reverse("invites:guest_list", args=[org.slug, event.slug])


def guests(response) -> list[str]:
    return [row["invite"].guest_name for row in response.context["rows"]]


def link(response, rel) -> str:
    """The query of the page's Next or Previous link ("" without one)."""
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return html.unescape(match[1]) if match else ""


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def many_portals(group, count, *, start=0):
    return Portal.objects.bulk_create(
        Portal(organization=group.organization, group=group, name=f"Stand {n:04}", allocation=5)
        for n in range(start, start + count)
    )


def test_next_walks_every_guest_once_newest_first(alice_client, org, event, make_invites):
    made = make_invites(130)
    url = guest_list(org, event)
    response = alice_client.get(url)
    seen = guests(response)
    assert len(seen) == GUESTS_PER_PAGE
    while after := link(response, "next"):
        response = alice_client.get(url + after)
        seen += guests(response)

    newest_first = sorted(made, key=lambda invite: (invite.created_at, invite.pk), reverse=True)
    assert seen == [invite.guest_name for invite in newest_first]
    back = alice_client.get(url + link(response, "prev"))
    assert len(guests(back)) == GUESTS_PER_PAGE


def test_a_deep_page_reads_no_offset(alice_client, org, event, make_invites):
    make_invites(160)
    url = guest_list(org, event)
    response = alice_client.get(url)
    response = alice_client.get(url + link(response, "next"))
    with CaptureQueriesContext(connection) as queries:
        response = alice_client.get(url + link(response, "next"))

    assert len(guests(response)) == GUESTS_PER_PAGE
    assert not [q for q in queries.captured_queries if "OFFSET" in q["sql"].upper()]


def test_one_box_searches_name_email_domain_and_label(alice_client, org, event, make_invites):
    make_invites(
        3,
        names=["Ada Lovelace", "Grace Hopper", "Alan Turing"],
        emails=["ada@gallery.example", "grace@navy.example", "alan@bletchley.example"],
    )
    make_invites(1, names=["Unnamed"], emails=["x@y.example"], label="Press table")
    url = guest_list(org, event)

    assert guests(alice_client.get(url, {"q": "hopper"})) == ["Grace Hopper"]
    assert guests(alice_client.get(url, {"q": "alan@"})) == ["Alan Turing"]
    assert guests(alice_client.get(url, {"q": "@gallery.example"})) == ["Ada Lovelace"]
    assert guests(alice_client.get(url, {"q": "press"})) == ["Unnamed"]
    # A domain matches the end of the address, not any address that contains it.
    assert guests(alice_client.get(url, {"q": "@gallery"})) == []


def test_the_source_filter_finds_one_portal_among_two_thousand_by_name(
    alice_client, org, event, group, make_invites
):
    portals = many_portals(group, 2000)
    make_invites(2, portal=portals[1234], names=["Mia", "Noah"], status=ACCEPTED)
    make_invites(2, portal=portals[5], names=["Other", "Guests"], status=ACCEPTED)
    make_invites(1, names=["Organizer guest"])
    url = guest_list(org, event)

    response = alice_client.get(url, {"source": "stand 1234"})

    assert guests(response) == ["Noah", "Mia"]
    page = page_text(response)
    assert "2 of 5 invites match" in page
    # A searchable box with the portals as suggestions, not a 2,000-option select.
    assert '<select name="source"' not in page
    assert page.count('<option value="Stand ') == 2000
    assert 'value="Stand 1234"' in page


def test_the_existing_source_values_keep_working(alice_client, org, event, portal, make_invites):
    make_invites(1, portal=portal, names=["Portal guest"], status=ACCEPTED)
    make_invites(1, names=["Organizer guest"])
    walk_ins = InviteBatch.objects.create(
        organization=org, event=event, method=InviteBatch.Method.WALK_IN, size=1
    )
    Invite.objects.create(
        organization=org, event=event, batch=walk_ins, guest_name="Walk-in", status=ACCEPTED
    )
    url = guest_list(org, event)

    by_id = alice_client.get(url, {"source": portal.public_id})
    assert guests(by_id) == ["Portal guest"]
    # The box shows the portal's name, not its id.
    assert 'value="Galerie Nord"' in by_id.content.decode()
    assert guests(alice_client.get(url, {"source": "organizer"})) == ["Organizer guest"]
    assert guests(alice_client.get(url, {"source": "walk_in"})) == ["Walk-in"]


def test_a_name_two_groups_share_is_told_apart_by_its_group(
    alice_client, org, event, group, portal, make_invites
):
    sponsors = make_group(organization=org, event=event, name="Sponsors")
    twin = Portal.objects.create(organization=org, group=sponsors, name=portal.name, allocation=3)
    make_invites(1, portal=portal, names=["Exhibitor guest"], status=ACCEPTED)
    make_invites(1, portal=twin, names=["Sponsor guest"], status=ACCEPTED)

    response = alice_client.get(guest_list(org, event), {"source": "Galerie Nord · Sponsors"})

    assert guests(response) == ["Sponsor guest"]


def test_an_unknown_source_is_a_field_error_and_the_other_filters_still_apply(
    alice_client, org, event, make_invites
):
    make_invites(2, names=["Ada", "Grace"])

    response = alice_client.get(guest_list(org, event), {"source": "No such stand", "q": "ada"})

    assert response.status_code == 200
    assert "No portal of this event is called “No such stand”" in page_text(response)
    assert guests(response) == ["Ada"]


def test_bad_values_never_break_the_page(alice_client, org, event, make_invites):
    make_invites(3)
    url = guest_list(org, event)

    for query in (
        {"status": "lost"},
        {"cursor": "!!"},
        {"cursor": "WyJhIiwxXQ"},  # a well-formed cursor of another list
        {"q": "x" * 500},
        {"window": "nope", "invite_type": "nope"},
    ):
        response = alice_client.get(url, query)
        assert response.status_code == 200, query


def test_state_and_search_filters_survive_paging_and_the_empty_state_clears_them(
    alice_client, org, event, make_invites
):
    make_invites(120, status=Invite.Status.SENT)
    make_invites(5, status=Invite.Status.DECLINED)
    url = guest_list(org, event)

    response = alice_client.get(url, {"status": "sent", "q": "guest"})
    after = link(response, "next")

    assert "status=sent" in after and "q=guest" in after
    assert "120 of 125 invites match" in page_text(response)
    empty = page_text(alice_client.get(url, {"q": "nobody at all"}))
    assert "No guest matches “nobody at all”" in empty
    assert f'href="{url}">Clear filters and show every guest' in empty


def test_the_query_count_does_not_grow_with_guests_or_portals(
    alice_client, org, event, group, make_invites, django_assert_max_num_queries
):
    portals = many_portals(group, 3)
    make_invites(3, portal=portals[0], status=ACCEPTED)
    url = guest_list(org, event)
    query = {"q": "guest", "source": "Stand 0000"}
    alice_client.get(url, query)
    with django_assert_max_num_queries(40) as few:
        alice_client.get(url, query)
    portals += many_portals(group, 500, start=3)
    make_invites(200, portal=portals[0], status=ACCEPTED)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = alice_client.get(url, query)

    assert len(guests(response)) == GUESTS_PER_PAGE


def test_another_organizations_guest_list_is_not_found(charlie_client, org, event):
    response = charlie_client.get(guest_list(org, event), {"q": "a", "source": "organizer"})

    assert response.status_code == 404


def test_a_portal_named_by_id_combines_with_the_other_filters(
    alice_client, org, event, portal, make_invites
):
    make_invites(1, portal=portal, names=["Accepted"], status=ACCEPTED)
    make_invites(1, portal=portal, names=["Pending"], status=Invite.Status.PENDING)
    make_invites(1, names=["Organizer's"], status=ACCEPTED)

    response = alice_client.get(
        guest_list(org, event), {"source": portal.public_id, "status": "accepted"}
    )

    assert guests(response) == ["Accepted"]


def test_the_counts_and_the_uses_column_follow_the_filters(alice_client, org, event, make_invites):
    """Unfiltered, the list's counts come from the event's counts per type; filtered,
    from the rows the filters select: the page says the same either way."""
    make_invites(
        2,
        names=["Ada Alpha", "Ben Beta"],
        status=Invite.Status.ACCEPTED,
        plus_ones=1,
        plus_ones_allowed=1,
    )
    make_invites(1, names=["Cleo Link"], uses=3)
    url = reverse("invites:guest_list", args=[org.slug, event.slug])

    everything = page_text(alice_client.get(url))
    assert "3 invites, newest first" in everything
    assert "Uses taken / uses" in everything
    # Invited: the two guests and the link's three places; two accepted with a plus-one each.
    assert re.search(r'<span class="value">5</span><span class="label">Invited', everything)
    assert re.search(r'<span class="value">2</span><span class="label">Accepted', everything)
    assert "4 people expected" in everything

    filtered = page_text(alice_client.get(url, {"q": "Ada"}))
    assert "1 of 3 invites match" in filtered
    assert "Uses taken / uses" not in filtered
    assert re.search(r'<span class="value">1</span><span class="label">Invited', filtered)
    assert "2 people expected" in filtered
