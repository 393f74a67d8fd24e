"""invites/services.py: generating (all or nothing), revoking."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from credits.ledger import InsufficientCredits
from credits.models import CreditEntry, CreditKind
from invites.answers import (
    respond,
)
from invites.models import Invite, InviteBatch
from invites.services import (
    GuestInput,
    IdempotencyKeyMismatch,
    IdempotencyKeyReused,
    InvalidGuests,
    InviteNotRevocable,
    generate_invites,
    generate_organizer_invites,
    revoke_invite,
)
from portals.errors import AllocationExceeded, PortalNotAssigned, PortalRevoked
from portals.models import CreditShortageNotice, Portal
from tests.conftest import give_credits, make_portal
from tests.invites.helpers import assign, balance, entries, live_invites

pytestmark = pytest.mark.django_db

SINGLE = InviteBatch.Method.SINGLE
PASTE = InviteBatch.Method.PASTE
BLANK = InviteBatch.Method.BLANK


def guests(n: int) -> list[GuestInput]:
    return [GuestInput(name=f"Guest {i}", email=f"guest{i}@example.com") for i in range(n)]


def test_it_uses_one_credit_per_invite_in_one_ledger_entry(org, portal):
    give_credits(org, invite=20)
    assign(portal)
    batch = generate_invites(portal, guests(3), blank=2, method=PASTE)

    assert batch.size == 5
    assert Invite.objects.filter(batch=batch).count() == 5
    assert balance(org) == 15
    [entry] = entries(org, reason=CreditEntry.Reason.INVITE_GENERATION)
    assert entry.amount == -5
    assert entry.invite_batch == batch
    assert entry.idempotency_key == f"invite-batch:{batch.pk}"
    portal.refresh_from_db()
    assert portal.invites_used == 5


def test_invites_carry_guest_data_source_and_plus_ones_from_the_group(org, portal):
    give_credits(org, invite=5)
    assign(portal)
    batch = generate_invites(
        portal,
        [
            GuestInput(
                name="Anna Muster",
                email="anna@example.com",
                tags=["VIP"],
                metadata={"company": "Muster AG"},
            ),
            GuestInput(name="Leo", plus_ones=0),
        ],
        blank=1,
        method=PASTE,
    )
    anna, leo, blank = batch.invites.order_by("id")
    assert (anna.guest_name, anna.guest_email, anna.tags, anna.metadata) == (
        "Anna Muster",
        "anna@example.com",
        ["VIP"],
        {"company": "Muster AG"},
    )
    assert anna.portal == portal and anna.event == portal.group.event
    assert anna.plus_ones_allowed == portal.group.default_plus_ones == 1
    assert leo.plus_ones_allowed == 0
    assert blank.is_blank and blank.plus_ones_allowed == 1
    assert anna.status == Invite.Status.CREATED
    # Tokens are long random secrets, all different.
    tokens = {invite.token for invite in (anna, leo, blank)}
    assert len(tokens) == 3 and all(len(token) >= 32 for token in tokens)
    public_ids = {invite.public_id for invite in (anna, leo, blank)}
    assert len(public_ids) == 3
    assert all(re.fullmatch(r"[a-z0-9]{14}", public_id) for public_id in public_ids)


def test_allocation_refusal_says_how_many_remain_and_creates_nothing(org, portal):
    give_credits(org, invite=100)
    assign(portal)  # allocation 10
    generate_invites(portal, guests(4), method=PASTE)

    with pytest.raises(AllocationExceeded) as refused:
        generate_invites(portal, guests(8), method=PASTE)

    assert refused.value.requested == 8
    assert refused.value.remaining == 6
    assert str(refused.value) == (
        "You asked for 8 invites but only 6 remain in your allocation (2 short)."
    )
    assert live_invites(portal) == 4
    assert balance(org) == 96
    assert InviteBatch.objects.count() == 1


def test_credit_refusal_creates_nothing_and_tells_the_organizer_once(org, portal):
    give_credits(org, invite=3)
    assign(portal)

    for _ in range(3):
        with pytest.raises(InsufficientCredits) as refused:
            generate_invites(portal, guests(5), method=PASTE)
        assert (refused.value.requested, refused.value.available) == (5, 3)

    assert Invite.objects.count() == 0
    assert InviteBatch.objects.count() == 0
    assert balance(org) == 3
    portal.refresh_from_db()
    assert portal.invites_used == 0
    notices = CreditShortageNotice.objects.filter(portal=portal, kind=CreditKind.INVITE)
    assert notices.count() == 1


def test_exactly_enough_credits_are_all_used(org, portal):
    give_credits(org, invite=5)
    assign(portal)
    generate_invites(portal, [], blank=5, method=BLANK)
    assert balance(org) == 0
    with pytest.raises(InsufficientCredits):
        generate_invites(portal, [], blank=1, method=BLANK)


def test_an_unclaimed_portal_cannot_generate(org, portal):
    give_credits(org, invite=5)
    with pytest.raises(PortalNotAssigned):
        generate_invites(portal, guests(1), method=SINGLE)
    assert balance(org) == 5


def test_a_revoked_portal_cannot_generate(org, portal):
    give_credits(org, invite=5)
    assign(portal)
    Portal.objects.filter(pk=portal.pk).update(status=Portal.Status.REVOKED)
    with pytest.raises(PortalRevoked):
        generate_invites(portal, guests(1), method=SINGLE)
    assert balance(org) == 5


def test_bad_guests_are_refused_before_anything_is_written(org, portal):
    give_credits(org, invite=5)
    assign(portal)
    with pytest.raises(InvalidGuests) as refused:
        generate_invites(
            portal,
            [
                GuestInput(name="Fine", email="fine@example.com"),
                GuestInput(name="Broken", email="not-an-email"),
                GuestInput(name="Greedy", plus_ones=5),
            ],
            method=PASTE,
        )
    assert len(refused.value.errors) == 2
    assert "Guest 2" in refused.value.errors[0]
    assert "Guest 3" in refused.value.errors[1]
    assert Invite.objects.count() == 0
    assert balance(org) == 5
    with pytest.raises(InvalidGuests):
        generate_invites(portal, [], blank=0, method=BLANK)


def test_a_replayed_idempotency_key_returns_the_first_batch_and_uses_no_credit(org, portal):
    give_credits(org, invite=10)
    assign(portal)
    first = generate_invites(portal, guests(2), method=PASTE, idempotency_key="abc")
    again = generate_invites(portal, guests(2), method=PASTE, idempotency_key="abc")

    assert again.pk == first.pk
    assert again.replayed is True and first.replayed is False
    assert balance(org) == 8
    assert Invite.objects.count() == 2


def test_an_idempotency_key_cannot_be_reused_for_another_portal(org, group, portal):
    give_credits(org, invite=10)
    assign(portal)
    second = assign(
        make_portal(organization=org, group=group, name="Second", allocation=5),
        "second@example.com",
    )
    generate_invites(portal, guests(1), method=SINGLE, idempotency_key="same")
    with pytest.raises(IdempotencyKeyReused):
        generate_invites(second, guests(1), method=SINGLE, idempotency_key="same")
    assert balance(org) == 9


def test_an_idempotency_key_with_other_guests_is_refused_not_replayed(org, portal):
    give_credits(org, invite=10)
    assign(portal)
    generate_invites(portal, guests(2), method=PASTE, idempotency_key="abc")

    with pytest.raises(IdempotencyKeyMismatch):
        generate_invites(portal, guests(3), method=PASTE, idempotency_key="abc")

    assert balance(org) == 8
    assert Invite.objects.count() == 2


def test_idempotency_keys_are_per_organization(org, other_org, portal, other_portal):
    give_credits(org, invite=5)
    give_credits(other_org, invite=5)
    assign(portal)
    assign(other_portal, "charlie-sponsor@example.com")
    generate_invites(portal, guests(1), method=SINGLE, idempotency_key="k1")
    batch = generate_invites(other_portal, guests(1), method=SINGLE, idempotency_key="k1")
    assert batch.portal == other_portal and batch.replayed is False
    assert balance(other_org) == 4


def test_organizer_invites_need_no_portal_and_no_allocation(org, event):
    give_credits(org, invite=30)
    batch = generate_organizer_invites(event, guests(25), blank=2, method=PASTE)

    assert batch.portal is None
    assert batch.invites.filter(portal__isnull=True).count() == 27
    assert set(batch.invites.values_list("plus_ones_allowed", flat=True)) == {0}
    assert balance(org) == 3
    with pytest.raises(InsufficientCredits):
        generate_organizer_invites(event, guests(4), method=PASTE)
    # The organizer is in front of the refusal: no email about it.
    assert CreditShortageNotice.objects.count() == 0


def test_organizer_invites_may_allow_plus_ones(org, event):
    give_credits(org, invite=5)
    batch = generate_organizer_invites(
        event, [GuestInput(name="Press", plus_ones=3)], method=SINGLE
    )
    assert batch.invites.get().plus_ones_allowed == 3


def test_organizer_replays_are_idempotent(org, event):
    give_credits(org, invite=5)
    first = generate_organizer_invites(event, guests(2), method=PASTE, idempotency_key="o1")
    again = generate_organizer_invites(event, guests(2), method=PASTE, idempotency_key="o1")
    assert again.pk == first.pk and balance(org) == 3


def test_revoking_returns_the_slot_but_not_the_credit(org, portal):
    give_credits(org, invite=10)
    assign(portal)
    batch = generate_invites(portal, guests(3), method=PASTE)
    invite = batch.invites.first()
    assert invite is not None

    revoke_invite(invite)
    revoke_invite(invite)  # twice is harmless

    invite.refresh_from_db()
    portal.refresh_from_db()
    assert invite.status == Invite.Status.REVOKED and invite.revoked_at is not None
    assert portal.invites_used == 2
    assert balance(org) == 7


def test_an_answered_invite_cannot_be_revoked(org, portal):
    give_credits(org, invite=10)
    assign(portal)
    invite = generate_invites(portal, guests(1), method=SINGLE).invites.get()
    respond(invite, accept=True)
    with pytest.raises(InviteNotRevocable):
        revoke_invite(invite)
    portal.refresh_from_db()
    assert portal.invites_used == 1


def test_revoking_an_organizer_invite_touches_no_portal(org, event):
    give_credits(org, invite=1)
    invite = generate_organizer_invites(event, guests(1), method=SINGLE).invites.get()
    revoke_invite(invite)
    invite.refresh_from_db()
    assert invite.status == Invite.Status.REVOKED


def test_no_email_leaves_during_generation(org, portal):
    give_credits(org, invite=5)
    assign(portal)
    generate_invites(portal, guests(3), method=PASTE)
    assert mail.outbox == []


@pytest.mark.parametrize(
    "metadata",
    [
        {"notes": "x" * 4001},
        {"a": {"b": {"c": {"d": {"e": {"f": "too deep"}}}}}},
        {"nul": "a\x00b"},
    ],
)
def test_metadata_over_the_limit_is_refused_by_the_service_itself(org, event, metadata):
    give_credits(org, invite=5)

    with pytest.raises(InvalidGuests, match="Guest 1: metadata"):
        generate_organizer_invites(
            event, [GuestInput(name="Anna", metadata=metadata)], method=SINGLE
        )

    assert Invite.objects.count() == 0
    assert balance(org) == 5
