"""The portal owner's dashboard at fair scale: keyset pages of the portal's
invites, newest first, that keep the state filter and never show another
portal's rows."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invites.models import Invite
from invites.owner.views import INVITES_PER_PAGE
from portals.models import Portal
from tests.conftest import make_portal
from tests.invites.helpers import assign, owner_client

pytestmark = pytest.mark.django_db

ACCEPTED = Invite.Status.ACCEPTED


@pytest.fixture
def owned(portal: Portal) -> Portal:
    return assign(portal)


@pytest.fixture
def browser(owned: Portal) -> Client:
    return owner_client(owned)


def dashboard(portal: Portal) -> str:
    return reverse("owner:dashboard", args=[portal.public_id])


def guests(response) -> list[str]:
    return [row["invite"].guest_name for row in response.context["rows"]]


def link(response, rel: str) -> str:
    """The query of the page's Next or Previous link ("" without one)."""
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return html.unescape(match[1]) if match else ""


def newest_first(invites: list[Invite]) -> list[str]:
    ordered = sorted(invites, key=lambda invite: (invite.created_at, invite.pk), reverse=True)
    return [invite.guest_name for invite in ordered]


def named(count: int, prefix: str = "Guest") -> list[str]:
    return [f"{prefix} {n:03}" for n in range(count)]


def test_next_then_previous_walk_every_invite_once_in_order(browser, owned, make_invites):
    made = make_invites(130, portal=owned, names=named(130))
    url = dashboard(owned)

    response = browser.get(url)
    pages = [guests(response)]
    while after := link(response, "next"):
        response = browser.get(url + after)
        pages.append(guests(response))
    assert [len(page) for page in pages] == [INVITES_PER_PAGE, INVITES_PER_PAGE, 30]
    assert [name for page in pages for name in page] == newest_first(made)

    back = [guests(response)]
    while before := link(response, "prev"):
        response = browser.get(url + before)
        back.insert(0, guests(response))
    assert back == pages
    assert not link(response, "prev") and link(response, "next")


def test_an_invite_added_while_paging_does_not_shift_the_next_page(browser, owned, make_invites):
    made = make_invites(60, portal=owned, names=named(60))
    url = dashboard(owned)
    first = browser.get(url)

    make_invites(1, portal=owned, names=["Latecomer"])
    second = browser.get(url + link(first, "next"))

    assert guests(second) == newest_first(made)[INVITES_PER_PAGE:]
    # The newcomer heads the first page, once.
    assert guests(browser.get(url))[0] == "Latecomer"


def test_the_state_filter_survives_paging(browser, owned, make_invites):
    accepted = make_invites(70, portal=owned, names=named(70, "Yes"), status=ACCEPTED)
    make_invites(40, portal=owned, names=named(40, "Open"))
    url = dashboard(owned)

    first = browser.get(url, {"status": "accepted"})
    after = link(first, "next")
    assert "status=accepted" in after
    second = browser.get(url + after)

    assert guests(first) + guests(second) == newest_first(accepted)
    assert not link(second, "next")
    assert "status=accepted" in link(second, "prev")


def test_a_garbage_cursor_shows_the_first_page_with_a_notice(browser, owned, make_invites):
    made = make_invites(55, portal=owned, names=named(55))

    for garbage in ("not-a-cursor", "WyJhIiwxXQ", "%%%", "WyJ6IiwiMjAyNi0wMS0wMSIsMV0"):
        response = browser.get(dashboard(owned), {"cursor": garbage})
        assert response.status_code == 200
        assert guests(response) == newest_first(made)[:INVITES_PER_PAGE]
        assert (
            "That page link could not be read: this is the first page." in response.content.decode()
        )

    assert "could not be read" not in browser.get(dashboard(owned)).content.decode()


def test_a_cursor_from_another_portal_shows_only_this_portals_invites(
    browser, owned, group, make_invites
):
    neighbour = assign(
        make_portal(group=group, name="Galerie Süd", allocation=5), "sud@example.com"
    )
    # The neighbour's invites are newer: its cursor points past every one of mine.
    mine = make_invites(60, portal=owned, names=named(60, "Mine"))
    make_invites(60, portal=neighbour, names=named(60, "Neighbour"))
    neighbours_next = link(owner_client(neighbour).get(dashboard(neighbour)), "next")
    assert neighbours_next

    response = browser.get(dashboard(owned) + neighbours_next)

    shown = [row["invite"] for row in response.context["rows"]]
    assert shown and all(invite.portal_id == owned.pk for invite in shown)
    assert [invite.guest_name for invite in shown] == newest_first(mine)[:INVITES_PER_PAGE]
    assert "Neighbour" not in response.content.decode()


def test_a_pages_query_count_does_not_grow_with_the_invites(
    browser, owned, make_invites, django_assert_max_num_queries
):
    make_invites(10, portal=owned)
    browser.get(dashboard(owned))  # the session's first request does its own bookkeeping
    with CaptureQueriesContext(connection) as captured:
        browser.get(dashboard(owned))
    # A number now: each request clears the connection's query log.
    few = len(captured)

    make_invites(190, portal=owned)
    with django_assert_max_num_queries(few):
        first = browser.get(dashboard(owned))
    with django_assert_max_num_queries(few) as deep:
        deeper = browser.get(dashboard(owned) + link(first, "next"))
    assert len(guests(deeper)) == INVITES_PER_PAGE
    assert "OFFSET" not in " ".join(query["sql"].upper() for query in deep.captured_queries)


def test_the_csv_export_still_holds_every_invite(browser, owned, make_invites):
    made = make_invites(120, portal=owned, names=named(120))

    response = browser.get(reverse("owner:export", args=[owned.public_id]))

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == len(made)
    first_column = next(iter(rows[0]))
    assert {row[first_column] for row in rows} == {invite.guest_name for invite in made}
