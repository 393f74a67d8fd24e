"""Different portal operations at the same moment, on PostgreSQL.

Each test releases several services at once with a barrier, round after
round, and counts the outcome from the database. A lock taken against the
documented order (credits/ledger.py: portal group -> portal -> ...) shows up
here as a deadlock error in one of the threads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.utils import timezone

from credits.models import CreditEntry, CreditKind
from deliveries.models import Delivery
from invites.models import Invite
from invites.services import GuestInput, generate_invites
from portals import bulk_links, claiming, errors, services
from portals.models import Portal, PortalGroup, PortalLinkReminder
from tests.conftest import give_credits, make_portal
from tests.invites.helpers import assign, live_invites, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 8


def together(*actions: Callable[[], Any]) -> list[Any]:
    """Run each action in its own thread, all released at once: each one's
    result or exception, in the order given."""
    labelled = race(len(actions), lambda i: (i, _outcome(actions[i])))
    return [outcome for _i, outcome in sorted(labelled, key=lambda pair: pair[0])]


def _outcome(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except Exception as error:
        return error


def unexpected(results: list[Any], *expected: type[Exception]) -> list[Any]:
    return [r for r in results if isinstance(r, Exception) and not isinstance(r, expected)]


def fresh_portal(group: PortalGroup, round_number: int) -> Portal:
    return make_portal(
        organization=group.organization, group=group, name=f"Race {round_number}", allocation=10
    )


def test_revoking_while_the_organizer_edits_the_portal_neither_deadlocks_nor_loses_the_revocation(
    group,
):
    for round_number in range(ROUNDS):
        portal = assign(fresh_portal(group, round_number))

        results = together(
            partial(services.revoke_portal, portal, actor=None),
            partial(
                services.update_portal,
                portal,
                name=f"Renamed {round_number}",
                allocation=12,
                contact_email="",
            ),
        )

        assert unexpected(results, errors.PortalRevoked) == [], f"round {round_number}"
        portal.refresh_from_db()
        assert portal.status == Portal.Status.REVOKED
        if isinstance(results[1], Portal):
            assert (portal.name, portal.allocation) == (f"Renamed {round_number}", 12)
        else:
            assert (portal.name, portal.allocation) == (f"Race {round_number}", 10)


def test_changing_the_owner_while_invites_are_generated_and_the_portal_is_edited_keeps_every_count(
    org, group
):
    give_credits(org, invite=ROUNDS)
    for round_number in range(ROUNDS):
        portal = assign(fresh_portal(group, round_number))

        results = together(
            partial(services.change_owner_email, portal, email="next@example.com", actor=None),
            partial(
                generate_invites,
                portal,
                [GuestInput(name="Ada", email="ada@example.com")],
                method="single",
            ),
            partial(
                services.update_portal, portal, name=portal.name, allocation=3, contact_email=""
            ),
        )

        assert unexpected(results) == [], f"round {round_number}"
        portal.refresh_from_db()
        assert portal.owner_email == "next@example.com"
        assert portal.allocation == 3
        assert portal.invites_used == live_invites(portal) == 1
    used = CreditEntry.objects.filter(organization=org, kind=CreditKind.INVITE, amount__lt=0)
    assert used.count() == Invite.objects.filter(organization=org).count() == ROUNDS


def test_revoking_while_someone_claims_and_the_organizer_edits_uses_a_credit_only_for_a_claim(
    org, group
):
    give_credits(org, portal=ROUNDS)
    claims = 0
    for round_number in range(ROUNDS):
        portal = fresh_portal(group, round_number)

        results = together(
            partial(services.revoke_portal, portal, actor=None),
            partial(claiming.claim_portal, portal, email="owner@example.com"),
            partial(
                services.update_portal, portal, name=portal.name, allocation=11, contact_email=""
            ),
        )

        assert unexpected(results, errors.PortalRevoked, errors.PortalRevoked) == [], (
            f"round {round_number}"
        )
        portal.refresh_from_db()
        assert portal.status == Portal.Status.REVOKED
        claimed = isinstance(results[1], Portal)
        claims += claimed
        assert portal.owner_email == ("owner@example.com" if claimed else "")
        assert (
            CreditEntry.objects.filter(portal=portal, reason=CreditEntry.Reason.PORTAL_ASSIGNMENT)
            .filter(amount__lt=0)
            .count()
            == claimed
        )
    spent = CreditEntry.objects.filter(
        organization=org, kind=CreditKind.PORTAL, reason=CreditEntry.Reason.PORTAL_ASSIGNMENT
    )
    assert spent.count() == claims


# --- Bulk links (portals/bulk_links.py) ------------------------------------------------------


def test_two_bulk_sends_at_once_email_each_portal_once(group):
    portals = [
        make_portal(group=group, name=f"Bulk {n}", allocation=1, contact_email=f"b{n}@example.org")
        for n in range(20)
    ]
    for _round in range(ROUNDS // 2):
        Delivery.objects.all().delete()
        results = together(
            partial(bulk_links.email_portal_links, group),
            partial(bulk_links.email_portal_links, group, reminder=True),
            partial(bulk_links.email_portal_links, group),
        )
        assert not unexpected(results, bulk_links.NothingToEmail)
        assert Delivery.objects.count() == len(portals)
        assert Delivery.objects.values("object_id").distinct().count() == len(portals)


def test_two_beat_runs_at_once_remind_each_portal_once(group):
    portals = [
        make_portal(group=group, name=f"Beat {n}", allocation=1, contact_email=f"r{n}@example.org")
        for n in range(20)
    ]
    bulk_links.email_portal_links(group)
    bulk_links.set_link_reminders(group, days=2)
    Delivery.objects.update(queued_at=timezone.now() - timedelta(days=3))
    results = together(bulk_links.send_scheduled_reminders, bulk_links.send_scheduled_reminders)
    assert not unexpected(results)
    assert sum(results) == len(portals)
    assert PortalLinkReminder.objects.count() == len(portals)
    assert Delivery.objects.filter(template="portal-link-reminder").count() == len(portals)
