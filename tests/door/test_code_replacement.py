"""A scan whose code the organizer replaces between finding the guest and letting them in."""

from __future__ import annotations

import pytest

from door import checkins
from door.checkins import Outcome, check_in
from door.models import CheckIn
from door.services import replace_code
from tests.door.helpers import accepted_guest

pytestmark = pytest.mark.django_db


def test_a_code_replaced_while_the_scan_waits_for_the_guest_is_refused(event, alice, monkeypatch):
    invite, old_code = accepted_guest(event)
    lock_row = checkins.lock_row

    def locked_then_replaced(*args, **kwargs):
        # The statement that found the guest by the old code waited for the
        # guest's lock, held by the organizer's replacement; that replacement
        # is committed when the lock is granted (here: made in the same
        # transaction, right after the lock, which has the same effect).
        found = lock_row(*args, **kwargs)
        replace_code(invite, actor=alice)
        return found

    monkeypatch.setattr(checkins, "lock_row", locked_then_replaced)
    scan = check_in(event, old_code, staff=alice)
    assert scan.outcome == Outcome.UNKNOWN
    assert not CheckIn.objects.filter(invite=invite).exists()


def test_the_new_code_lets_the_guest_in(event, alice):
    invite, old_code = accepted_guest(event)
    new_code = replace_code(invite, actor=alice).code
    assert check_in(event, old_code, staff=alice).outcome == Outcome.UNKNOWN
    assert check_in(event, new_code.lower(), staff=alice).outcome == Outcome.CHECKED_IN
