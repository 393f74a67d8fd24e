"""A scan is a handful of queries, whatever the party: the door must never be the slow part
(bench/door.py measures it on gunicorn)."""

from __future__ import annotations

import pytest

from door.checkins import Outcome, check_in
from tests.door.helpers import accepted_guest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("plus_ones", [0, 5])
def test_a_scan_letting_a_party_in_takes_a_handful_of_queries(
    event, alice, plus_ones, django_assert_max_num_queries
):
    _invite, code = accepted_guest(event, plus_ones=plus_ones)
    # Find the guest by the code and lock them; re-read the code; who is in;
    # write the rows (and the savepoint's two, as the test runs in a transaction).
    with django_assert_max_num_queries(6):
        scan = check_in(event, code, staff=alice, people=1 + plus_ones)
    assert scan.outcome == Outcome.CHECKED_IN
    assert scan.people_in == list(range(1 + plus_ones))
    assert scan.last == scan.admitted[-1]


def test_scanning_a_guest_already_in_takes_a_handful_of_queries(
    event, alice, django_assert_max_num_queries
):
    _invite, code = accepted_guest(event)
    first = check_in(event, code, staff=alice)
    # ...who is in, and the last check-in (when, by whom).
    with django_assert_max_num_queries(6):
        again = check_in(event, code, staff=alice)
    assert again.outcome == Outcome.ALREADY_IN
    assert again.last == first.admitted[0] and again.last.staff == alice
