"""artsvp/keyset.py: every row once, in order, both ways, with ties in the first key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from artsvp.keyset import keyset_page
from invites.models import Invite, InviteBatch

pytestmark = pytest.mark.django_db

ORDER = ("-created_at", "-id")


@pytest.fixture
def invites(event):
    batch = InviteBatch.objects.create(
        organization=event.organization, event=event, method=InviteBatch.Method.PASTE, size=23
    )
    made = Invite.objects.bulk_create(
        Invite(organization=event.organization, event=event, batch=batch, guest_name=f"G{n}")
        for n in range(23)
    )
    # Three rows a time: most pages start or end inside a run of equal first keys.
    start = timezone.now()
    for n, invite in enumerate(made):
        Invite.objects.filter(pk=invite.pk).update(created_at=start + timedelta(seconds=n // 3))
    return Invite.objects.filter(event=event)


def newest_first(invites):
    return list(invites.order_by(*ORDER).values_list("pk", flat=True))


def walk(invites, *, per_page):
    page = keyset_page(invites, order=ORDER, cursor=None, per_page=per_page)
    pages = [page]
    while page.next_cursor:
        page = keyset_page(invites, order=ORDER, cursor=page.next_cursor, per_page=per_page)
        pages.append(page)
    return pages


@pytest.mark.parametrize("per_page", [1, 2, 4, 5, 50])
def test_next_and_previous_walk_every_row_once_across_ties(invites, per_page):
    pages = walk(invites, per_page=per_page)
    assert [invite.pk for page in pages for invite in page.rows] == newest_first(invites)
    # And back from the last page, one page at a time.
    back = [pages[-1]]
    while back[-1].previous_cursor:
        back.append(
            keyset_page(invites, order=ORDER, cursor=back[-1].previous_cursor, per_page=per_page)
        )
    assert [[i.pk for i in page.rows] for page in reversed(back)] == [
        [i.pk for i in page.rows] for page in pages
    ]


def test_a_page_is_one_query_bounded_on_the_first_key(invites):
    first = keyset_page(invites, order=ORDER, cursor=None, per_page=4)
    with CaptureQueriesContext(connection) as queries:
        keyset_page(invites, order=ORDER, cursor=first.next_cursor, per_page=4)
    [sql] = [q["sql"] for q in queries.captured_queries]
    # A plain range on the ordered column, which the database reads from its index.
    assert '"created_at" <= ' in sql and "OFFSET" not in sql
