"""The credit statement at fair scale: keyset pages of the ledger, newest
first, that keep the filters, count what they filter and never show another
organization's entries."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from credits import ledger
from credits.models import CreditEntry, CreditKind
from credits.views import STATEMENT_PAGE_SIZE
from organizations.models import Organization
from tests.conftest import give_credits

pytestmark = pytest.mark.django_db


def statement(org: Organization) -> str:
    return reverse("credits:statement", args=[org.slug])


def shown(response) -> list[int]:
    return [row.entry.pk for row in response.context["rows"]]


def link(response, rel: str) -> str:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return html.unescape(match[1]) if match else ""


def text(response) -> str:
    return html.unescape(response.content.decode())


def use(org: Organization, kind: str = CreditKind.INVITE, times: int = 1) -> None:
    for _ in range(times):
        with transaction.atomic():
            ledger.consume(
                org,
                kind,
                1,
                reason=CreditEntry.Reason.INVITE_GENERATION,
                idempotency_key=f"test:{uuid.uuid4().hex}",
            )


def newest_first(org: Organization, **filters) -> list[int]:
    entries = CreditEntry.objects.filter(organization=org, **filters)
    return list(entries.order_by("-id").values_list("pk", flat=True))


def test_next_then_previous_walk_every_entry_once_newest_first(alice_client, org):
    give_credits(org, invite=500)
    use(org, times=119)
    url = statement(org)

    response = alice_client.get(url)
    pages = [shown(response)]
    while after := link(response, "next"):
        response = alice_client.get(url + after)
        pages.append(shown(response))
    assert [len(page) for page in pages] == [STATEMENT_PAGE_SIZE, STATEMENT_PAGE_SIZE, 20]
    assert [pk for page in pages for pk in page] == newest_first(org)
    assert "120 entries." in text(response)

    back = [shown(response)]
    while before := link(response, "prev"):
        response = alice_client.get(url + before)
        back.insert(0, shown(response))
    assert back == pages


def test_an_entry_added_while_paging_does_not_shift_the_next_page(alice_client, org):
    give_credits(org, invite=500)
    use(org, times=69)
    before = newest_first(org)
    first = alice_client.get(statement(org))

    use(org)
    second = alice_client.get(statement(org) + link(first, "next"))

    assert shown(second) == before[STATEMENT_PAGE_SIZE:]
    assert "71 entries." in text(second)


def test_filters_survive_paging_and_the_count_is_of_the_filtered_entries(alice_client, org):
    give_credits(org, portal=100, invite=100)
    for _ in range(60):
        use(org, CreditKind.INVITE)
        use(org, CreditKind.PORTAL)
    url = statement(org)
    filters = {"kind": "portal", "reason": "invite_generation"}

    first = alice_client.get(url, filters)
    after = link(first, "next")
    assert "kind=portal" in after and "reason=invite_generation" in after
    second = alice_client.get(url + after)

    assert shown(first) + shown(second) == newest_first(org, **filters)
    assert all(row.entry.kind == "portal" for row in second.context["rows"])
    assert not link(second, "next")
    back = link(second, "prev")
    assert "kind=portal" in back and shown(alice_client.get(url + back)) == shown(first)
    # Of the filtered entries (not the 122 of the organization), on every page.
    assert "60 entries match these filters." in text(first)
    assert "60 entries match these filters." in text(second)
    # The CSV link keeps the filters and drops the cursor.
    assert 'statement.csv?kind=portal&amp;reason=invite_generation"' in second.content.decode()


def test_a_garbage_cursor_shows_the_first_page_with_a_notice(alice_client, org):
    give_credits(org, invite=100)
    use(org, times=59)

    for garbage in ("nonsense", "WyJhIl0", "WyJhIiwiaWQiXQ", "WyJhIixudWxsXQ", "!!"):
        response = alice_client.get(statement(org), {"cursor": garbage})
        assert response.status_code == 200
        assert shown(response) == newest_first(org)[:STATEMENT_PAGE_SIZE]
        assert "That page link could not be read: this is the first page." in text(response)

    assert "could not be read" not in text(alice_client.get(statement(org)))


def test_a_cursor_from_another_organization_shows_only_this_ones_entries(
    alice_client, charlie_client, org, other_org
):
    give_credits(org, invite=100)
    use(org, times=59)
    # Charlie's entries are newer: his cursor points past every one of alice's.
    give_credits(other_org, invite=100)
    use(other_org, times=59)
    charlies_next = link(charlie_client.get(statement(other_org)), "next")
    assert charlies_next

    response = alice_client.get(statement(org) + charlies_next)

    assert shown(response) == newest_first(org)[:STATEMENT_PAGE_SIZE]
    assert all(row.entry.organization_id == org.pk for row in response.context["rows"])


def test_a_pages_query_count_does_not_grow_with_the_entries(
    alice_client, org, django_assert_max_num_queries
):
    give_credits(org, invite=500)
    use(org, times=9)
    alice_client.get(statement(org))  # the session's first request does its own bookkeeping
    with CaptureQueriesContext(connection) as captured:
        response = alice_client.get(statement(org))
    assert len(shown(response)) == 10
    # A number now: each request clears the connection's query log.
    few = len(captured)

    use(org, times=190)
    # The first page of 200 counts its total: one query more than a single page.
    with django_assert_max_num_queries(few + 1):
        first = alice_client.get(statement(org))
    with django_assert_max_num_queries(few + 1) as deep:
        deeper = alice_client.get(statement(org) + link(first, "next"))
    deepest = alice_client.get(statement(org) + link(deeper, "next"))
    with django_assert_max_num_queries(few + 1):
        alice_client.get(statement(org) + link(deepest, "next"))
    assert len(shown(deeper)) == STATEMENT_PAGE_SIZE
    assert "OFFSET" not in " ".join(query["sql"].upper() for query in deep.captured_queries)
