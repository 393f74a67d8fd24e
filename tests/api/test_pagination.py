"""Cursor pagination: pages neither repeat nor skip rows when rows are added meanwhile."""

from __future__ import annotations

import base64
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import Event
from invites.models import Invite
from organizations.models import Organization
from tests.api.conftest import EVENT_BODY, ApiClient, assert_error
from tests.conftest import give_credits


def make_events(api: ApiClient, names: list[str]) -> list[str]:
    return [api.post("/events", {**EVENT_BODY, "name": name}).json()["id"] for name in names]


def read_all(api: ApiClient, path: str, *, limit: int, between_pages: Any = None) -> list[str]:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        page = api.get(path, params).json()
        seen.extend(item["id"] for item in page["items"])
        if page["next_cursor"] is None:
            return seen
        assert len(page["items"]) == limit
        if between_pages:
            between_pages()
        params = {"limit": limit, "cursor": page["next_cursor"]}


def test_pages_cover_every_row_once_newest_first(api: ApiClient) -> None:
    created = make_events(api, [f"Fair {n}" for n in range(7)])

    assert read_all(api, "/events", limit=3) == created[::-1]
    assert read_all(api, "/events", limit=7) == created[::-1]
    assert read_all(api, "/events", limit=200) == created[::-1]


def test_rows_inserted_while_paging_neither_repeat_nor_shift_later_pages(
    api: ApiClient,
) -> None:
    created = make_events(api, [f"Fair {n}" for n in range(7)])
    inserted: list[str] = []

    def insert_one() -> None:
        inserted.extend(make_events(api, [f"Late {len(inserted)}"]))

    seen = read_all(api, "/events", limit=2, between_pages=insert_one)

    assert seen == created[::-1]
    assert len(inserted) == 3
    # A fresh first page shows the new rows.
    assert read_all(api, "/events", limit=50)[:3] == inserted[::-1]


def test_invite_lists_page_the_same_way(api: ApiClient, event: Event, org: Organization) -> None:
    give_credits(org, invite=30)
    api.post(f"/events/{event.public_id}/invites", {"blank": 12})
    expected = list(
        Invite.objects.filter(event=event).order_by("-id").values_list("public_id", flat=True)
    )

    def generate_more() -> None:
        api.post(f"/events/{event.public_id}/invites", {"blank": 2})

    seen = read_all(api, f"/events/{event.public_id}/invites", limit=5, between_pages=generate_more)

    assert seen == expected


def test_a_cursor_that_was_not_issued_is_refused(api: ApiClient, event: Event) -> None:
    forged = base64.urlsafe_b64encode(b"v2:abc").decode()

    for cursor in ("garbage!", forged, "djE6MA", "%00"):
        body = assert_error(api.get("/events", {"cursor": cursor}), 422, "invalid")
        assert list(body["details"]["fields"]) == ["cursor"]


def test_limits_outside_one_to_two_hundred_are_refused(api: ApiClient) -> None:
    assert_error(api.get("/events", {"limit": 0}), 422, "invalid")
    assert_error(api.get("/events", {"limit": 201}), 422, "invalid")
    assert_error(api.get("/events", {"limit": "ten"}), 422, "invalid")


def test_lists_take_the_same_queries_for_more_rows(
    api: ApiClient,
    event: Event,
    org: Organization,
    group: Any,
    django_assert_num_queries: Any,
) -> None:
    give_credits(org, invite=100)
    lists = [
        "/events",
        f"/events/{event.public_id}/invites",
        f"/events/{event.public_id}/portal-groups",
        f"/portal-groups/{group.public_id}/portals",
        "/credits/entries",
        "/purchases",
    ]

    def add_rows(n: int) -> None:
        api.post(f"/events/{event.public_id}/invites", {"blank": n})
        api.post(
            f"/portal-groups/{group.public_id}/portals", [{"name": f"P{n}-{i}"} for i in range(n)]
        )
        make_events(api, [f"Fair {n}-{i}" for i in range(n)])

    add_rows(2)
    counts = {}
    for path in lists:
        with CaptureQueriesContext(connection) as queries:
            api.get(path)
        counts[path] = len(queries.captured_queries)
    add_rows(20)
    for path in lists:
        with django_assert_num_queries(counts[path]):
            api.get(path)
