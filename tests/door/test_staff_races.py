"""Grants on PostgreSQL when two team members give the same address access at once."""

from __future__ import annotations

import pytest

from door.models import EventGrant
from door.staff import AlreadyGranted, grant_event_access, revoke_grant
from organizations.models import Membership, TeamInvitation
from tests.conftest import make_user
from tests.door.staff_helpers import other_event
from tests.invites.helpers import race


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_grants_of_one_account_at_once_make_one_grant_and_one_membership(event, alice):
    make_user("cara@example.com")

    outcomes = race(
        4,
        lambda i: grant_event_access(
            event, email="cara@example.com", role="check_in", granted_by=alice
        ),
    )

    assert sum(isinstance(outcome, EventGrant) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, AlreadyGranted) for outcome in outcomes) == 3
    assert EventGrant.objects.count() == 1
    assert Membership.objects.filter(user__email="cara@example.com").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_grants_of_an_unknown_address_to_two_events_at_once_share_one_invitation(event, alice):
    second = other_event(event)

    outcomes = race(
        2,
        lambda i: grant_event_access(
            (event, second)[i], email="new@example.com", role="check_in", granted_by=alice
        ),
    )

    assert all(isinstance(outcome, EventGrant) for outcome in outcomes), outcomes
    assert TeamInvitation.objects.filter(email="new@example.com").count() == 1
    assert EventGrant.objects.filter(membership__isnull=True).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_revoke_racing_a_second_grant_leaves_the_membership_consistent(event, alice):
    make_user("cara@example.com")
    first = grant_event_access(event, email="cara@example.com", role="check_in", granted_by=alice)
    second_event = other_event(event)

    outcomes = race(
        2,
        lambda i: (
            revoke_grant(first, actor=alice)
            if i == 0
            else grant_event_access(
                second_event, email="cara@example.com", role="check_in", granted_by=alice
            )
        ),
    )

    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    assert Membership.objects.filter(user__email="cara@example.com").count() == 1
    assert EventGrant.objects.filter(revoked_at__isnull=True).get().event == second_event
