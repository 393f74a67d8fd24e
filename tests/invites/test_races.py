"""Generation under real concurrency (PostgreSQL, threads) and all-or-nothing batches."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Sum

from credits.ledger import InsufficientCredits
from credits.models import CreditEntry
from invites.models import Invite, InviteBatch
from invites.services import (
    GuestInput,
    generate_invites,
    generate_organizer_invites,
    revoke_invite,
)
from portals.errors import AllocationExceeded
from portals.models import Portal
from tests.conftest import give_credits, make_portal
from tests.invites.helpers import assign, balance, entries, race


def test_a_batch_that_fails_half_way_leaves_no_trace(db, org, portal):
    """The invites' insert fails after the credits were consumed: both roll back."""
    give_credits(org, invite=10)
    assign(portal)
    unserialisable = GuestInput(name="Broken", metadata={"when": object()})
    with pytest.raises(TypeError):
        generate_invites(portal, [GuestInput(name="Fine"), unserialisable], method="paste")
    assert balance(org) == 10
    assert Invite.objects.count() == 0
    assert InviteBatch.objects.count() == 0
    portal.refresh_from_db()
    assert portal.invites_used == 0


def _generate_until_refused(portal: Portal, sizes: list[int]) -> list[int]:
    """Keep generating batches; when a big one is refused, try single invites until that fails."""
    made = []
    for size in sizes:
        try:
            generate_invites(portal, [], blank=size, method="blank")
            made.append(size)
        except (InsufficientCredits, AllocationExceeded):
            if size == 1:
                break
            try:
                generate_invites(portal, [], blank=1, method="blank")
                made.append(1)
            except (InsufficientCredits, AllocationExceeded):
                break
    return made


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_three_portals_generating_at_once_never_exceed_the_credits(org, group):
    give_credits(org, invite=25)
    portals = [
        assign(
            make_portal(organization=org, group=group, name=f"Booth {i}", allocation=20),
            f"booth{i}@example.com",
        )
        for i in range(3)
    ]
    # Three workers per portal, each with its own mix of batch sizes.
    plans = [[1 + (i + step) % 3 for step in range(12)] for i in range(9)]

    results = race(9, lambda i: _generate_until_refused(portals[i % 3], plans[i]))

    assert not [result for result in results if isinstance(result, Exception)], results
    made = sum(sum(result) for result in results)
    assert made == 25
    assert Invite.objects.count() == 25
    assert balance(org) == 0
    batches = InviteBatch.objects.all()
    assert batches.aggregate(total=Sum("size"))["total"] == 25
    # One ledger entry per batch, each pointing at its batch.
    generation = entries(org, reason=CreditEntry.Reason.INVITE_GENERATION)
    assert len(generation) == batches.count()
    assert {entry.invite_batch_id for entry in generation} == set(
        batches.values_list("id", flat=True)
    )
    for portal in portals:
        portal.refresh_from_db()
        assert portal.invites_used == Invite.objects.filter(portal=portal).count() <= 20
    call_command("check_ledger")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_portal_racing_itself_stays_within_its_allocation(org, portal):
    give_credits(org, invite=100)
    assign(portal)  # allocation 10

    results = race(8, lambda i: generate_invites(portal, [], blank=3, method="blank"))

    assert sum(isinstance(result, InviteBatch) for result in results) == 3
    assert sum(isinstance(result, AllocationExceeded) for result in results) == 5
    portal.refresh_from_db()
    assert portal.invites_used == 9 == Invite.objects.count()
    assert balance(org) == 91


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_revoking_while_generating_keeps_the_count_right(org, portal):
    give_credits(org, invite=100)
    assign(portal)
    first = generate_invites(portal, [], blank=5, method="blank")
    to_revoke = list(first.invites.all())

    def work(i: int):
        if i < 5:
            return revoke_invite(to_revoke[i])
        return generate_invites(portal, [], blank=1, method="blank")

    race(10, work)

    portal.refresh_from_db()
    live = Invite.objects.exclude(status=Invite.Status.REVOKED).count()
    assert portal.invites_used == live
    assert live <= portal.allocation


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_idempotency_key_at_once_makes_one_batch(org, portal, event):
    give_credits(org, invite=50)
    assign(portal)

    portal_results = race(
        5, lambda i: generate_invites(portal, [], blank=2, method="api", idempotency_key="k-1")
    )
    organizer_results = race(
        5,
        lambda i: generate_organizer_invites(
            event, [GuestInput(name="Guest")], method="api", idempotency_key="k-2"
        ),
    )

    for results in (portal_results, organizer_results):
        assert all(isinstance(result, InviteBatch) for result in results), results
        assert len({result.pk for result in results}) == 1
        assert sum(not result.replayed for result in results) == 1
    assert InviteBatch.objects.count() == 2
    assert Invite.objects.count() == 3
    assert balance(org) == 47
    call_command("check_ledger")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("credits", "winners"), [(5, 1), (8, 2)])
def test_two_batches_of_different_types_at_once_share_the_credits_exactly(
    org, group, credits, winners
):
    """Two types, one portal, one credit account: the portal lock serialises the
    batches, so each type's allocation and the balance count exactly what was made."""
    from tests.invites.type_helpers import add_type, used_by_type

    portal = assign(make_portal(organization=org, group=group, name="Two types", allocation=10))
    add_type(group, "vip", "VIP", allocations={portal: 10})
    give_credits(org, invite=credits)

    results = race(
        2,
        lambda i: generate_invites(
            portal, [], blank=4, invite_type=("standard", "vip")[i], method="blank"
        ),
    )

    made = [result for result in results if isinstance(result, InviteBatch)]
    refused = [result for result in results if not isinstance(result, InviteBatch)]
    assert len(made) == winners
    assert all(isinstance(error, InsufficientCredits) for error in refused)
    used = used_by_type(portal)
    assert sorted(used[code][0] for code in ("standard", "vip")) == sorted(
        [4] * winners + [0] * (2 - winners)
    )
    portal.refresh_from_db()
    assert portal.invites_used == 4 * winners
    assert balance(org) == credits - 4 * winners
    assert Invite.objects.filter(portal=portal).count() == 4 * winners
    call_command("check_ledger")
