"""Accepting a team invitation while something else happens to it, on PostgreSQL.

Threads released together by a barrier, several rounds, outcomes counted from
the database. Team changes lock the organization, then the invitation
(credits/ledger.py lists the order).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.utils import timezone

from organizations.models import Membership, TeamInvitation
from organizations.services import (
    InvitationWithdrawnError,
    TeamError,
    accept_invitation,
    cancel_invitation,
    change_role,
    create_organization,
    invite_teammate,
    resend_invitation,
)
from tests.invites.helpers import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


def together(*actions: Callable[[], Any]) -> list[Any]:
    return race(len(actions), lambda i: actions[i]())


def errors(results: list[Any], *expected: type[Exception]) -> list[Any]:
    return [r for r in results if isinstance(r, Exception) and not isinstance(r, expected)]


def test_two_accepts_of_one_invitation_at_once_make_one_membership(alice, charlie):
    for round_number in range(ROUNDS):
        org = create_organization(f"Race Fair {round_number}", owner=alice)
        invitation = invite_teammate(
            org, email="charlie@example.com", role="admin", invited_by=alice
        )

        results = together(
            partial(accept_invitation, invitation, user=charlie),
            partial(accept_invitation, invitation, user=charlie),
        )

        assert errors(results) == [], f"round {round_number}"
        assert Membership.objects.filter(organization=org, user=charlie, role="admin").count() == 1
        invitation.refresh_from_db()
        assert invitation.accepted_by == charlie


def test_accepting_while_the_owner_cancels_either_joins_or_is_refused_cleanly(alice, charlie):
    joined = 0
    for round_number in range(ROUNDS):
        org = create_organization(f"Race Fair {round_number}", owner=alice)
        invitation = invite_teammate(
            org, email="charlie@example.com", role="member", invited_by=alice
        )

        results = together(
            partial(accept_invitation, invitation, user=charlie),
            partial(cancel_invitation, invitation),
        )

        # The loser of the race is told in words (TeamError), never a 500.
        assert errors(results, TeamError) == [], f"round {round_number}"
        member = Membership.objects.filter(organization=org, user=charlie).exists()
        accepted = TeamInvitation.objects.filter(pk=invitation.pk, accepted_by=charlie).exists()
        gone = not TeamInvitation.objects.filter(pk=invitation.pk).exists()
        assert (member, accepted, gone) in [(True, True, False), (False, False, True)]
        joined += member
    assert 0 <= joined <= ROUNDS


def test_accepting_while_the_owner_resends_and_changes_roles_never_deadlocks(alice, bob, charlie):
    for round_number in range(ROUNDS):
        org = create_organization(f"Race Fair {round_number}", owner=alice)
        bob_membership = Membership.objects.create(organization=org, user=bob, role="member")
        invitation = invite_teammate(
            org, email="charlie@example.com", role="member", invited_by=alice
        )

        results = together(
            partial(accept_invitation, invitation, user=charlie),
            partial(resend_invitation, invitation, invited_by=alice),
            partial(change_role, bob_membership, role="admin"),
            partial(
                invite_teammate, org, email="dora@example.com", role="member", invited_by=alice
            ),
        )

        # Resent first: the link charlie opened is dead, and he is told so.
        assert errors(results, InvitationWithdrawnError) == [], f"round {round_number}"
        joined = Membership.objects.filter(organization=org, user=charlie).count()
        invitation.refresh_from_db()
        assert (joined, invitation.accepted_at is not None) in [(1, True), (0, False)]
        assert Membership.objects.get(pk=bob_membership.pk).role == "admin"
        assert (
            TeamInvitation.objects.filter(organization=org, email="dora@example.com").count() == 1
        )


def test_accepting_an_expired_invitation_while_the_owner_invites_the_address_again(alice, charlie):
    for round_number in range(ROUNDS):
        org = create_organization(f"Race Fair {round_number}", owner=alice)
        old = invite_teammate(org, email="charlie@example.com", role="member", invited_by=alice)
        TeamInvitation.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timedelta(days=30)
        )

        results = together(
            partial(accept_invitation, old, user=charlie),
            partial(
                invite_teammate, org, email="charlie@example.com", role="admin", invited_by=alice
            ),
        )

        assert errors(results, TeamError) == [], f"round {round_number}"
        assert not Membership.objects.filter(organization=org, user=charlie).exists()
        [fresh] = TeamInvitation.objects.filter(organization=org, email="charlie@example.com")
        assert (fresh.role, fresh.accepted_at) == ("admin", None)
