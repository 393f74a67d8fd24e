"""artsvp/locks.py: the one lock order, and helpers that refuse to lock out of it."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from artsvp.locks import (
    LOCK_ORDER,
    LockError,
    LockOrderViolation,
    LockOutsideTransaction,
    held_locks,
    lock_existing_row,
    lock_row,
    lock_rows,
    locking_transaction,
    note_lock,
)
from billing.credit_requests import request_credits
from billing.models import CreditRequest
from credits import ledger
from credits.models import CreditKind
from events.models import Event
from events.services import update_event
from invites import answers
from invites import services as invites
from invites.models import Invite
from organizations.models import Organization
from portals import services as portals
from portals.claiming import claim_portal
from portals.errors import PortalRevoked
from portals.invite_types import update_invite_type
from portals.models import InviteType, Portal, PortalGroup
from tests.conftest import give_credits, make_portal
from tests.invites.helpers import assign, live_invites, race


def test_every_table_in_the_order_is_a_model() -> None:
    for label in LOCK_ORDER:
        apps.get_model(label)
    assert len(set(LOCK_ORDER)) == len(LOCK_ORDER) == 13


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused(portal: Portal) -> None:
    with pytest.raises(LockOutsideTransaction, match=r"portals\.Portal outside a transaction"):
        lock_row(Portal.objects.filter(pk=portal.pk))
    with pytest.raises(LockOutsideTransaction):
        note_lock("credits.CreditAccount")


@pytest.mark.django_db(transaction=True)
def test_locks_in_the_order_are_taken_and_counted(portal: Portal) -> None:
    with locking_transaction():
        assert lock_existing_row(PortalGroup.objects.filter(pk=portal.group_id)) is not None
        assert lock_existing_row(Portal.objects.filter(pk=portal.pk)) == portal
        # The same table again is fine.
        assert lock_rows(Portal.objects.filter(group=portal.group)) == [portal]
        ledger.lock_account(portal.organization, CreditKind.INVITE)
        assert held_locks() == [
            "portals.PortalGroup",
            "portals.Portal",
            "portals.Portal",
            "credits.CreditAccount",
        ]
    assert held_locks() == []


@pytest.mark.django_db(transaction=True)
def test_a_lock_out_of_order_names_both_tables(portal: Portal) -> None:
    with pytest.raises(LockOrderViolation) as caught, locking_transaction():
        lock_existing_row(Portal.objects.filter(pk=portal.pk))
        lock_existing_row(PortalGroup.objects.filter(pk=portal.group_id))
    assert (caught.value.label, caught.value.held) == ("portals.PortalGroup", "portals.Portal")
    assert "portals.PortalGroup" in str(caught.value)
    assert "portals.Portal " in str(caught.value)


@pytest.mark.django_db(transaction=True)
def test_the_ledgers_raw_lock_is_checked_too(portal: Portal, event: Event) -> None:
    with pytest.raises(LockOrderViolation, match=r"credits\.CreditAccount"), locking_transaction():
        lock_existing_row(Event.objects.filter(pk=event.pk))
        ledger.lock_account(portal.organization, CreditKind.PORTAL)


@pytest.mark.django_db(transaction=True)
def test_relocking_the_account_one_holds_is_not_out_of_order(org: Organization) -> None:
    # Fulfilment locks the account, then the purchase, then the ledger writes
    # to the account it already holds.
    with locking_transaction():
        ledger.lock_account(org, CreditKind.INVITE)
        note_lock("billing.Purchase")
        ledger.lock_account(org, CreditKind.INVITE)
        with pytest.raises(LockOrderViolation):
            ledger.lock_account(org, CreditKind.PORTAL)


@pytest.mark.django_db(transaction=True)
def test_a_nested_locking_transaction_joins_the_open_scope(portal: Portal) -> None:
    with locking_transaction():
        lock_existing_row(Portal.objects.filter(pk=portal.pk))
        with locking_transaction():
            assert held_locks() == ["portals.Portal"]
            with pytest.raises(LockOrderViolation):
                lock_existing_row(PortalGroup.objects.filter(pk=portal.group_id))
    # The error inside the joined block rolled the whole transaction back.
    assert not transaction.get_connection().in_atomic_block


@pytest.mark.django_db(transaction=True)
def test_a_scope_ends_with_its_transaction(portal: Portal) -> None:
    seen: list[list[str]] = []
    with locking_transaction():
        lock_existing_row(Portal.objects.filter(pk=portal.pk))
        # After commit the locks are gone: a callback may lock anything.
        transaction.on_commit(lambda: seen.append(held_locks()))
    assert seen == [[]]
    with locking_transaction():
        assert lock_existing_row(PortalGroup.objects.filter(pk=portal.group_id))


@pytest.mark.django_db
def test_only_tables_in_the_order_can_be_locked(org: Organization) -> None:
    with pytest.raises(LockError, match="not in LOCK_ORDER"), transaction.atomic():
        lock_row(apps.get_model("portals.CreditShortageNotice").objects.all())


@pytest.mark.django_db
def test_a_plain_transaction_checks_only_the_transaction(portal: Portal) -> None:
    # A helper's atomic() joining no locking_transaction: the order is not
    # tracked there, only the transaction asserted.
    with transaction.atomic():
        lock_existing_row(Portal.objects.filter(pk=portal.pk))
        lock_existing_row(PortalGroup.objects.filter(pk=portal.group_id))


# --- Different operations racing on the same rows (PostgreSQL) -------------------------

ROUNDS = 6


def _outcome(action: Any) -> Any:
    try:
        return action()
    except Exception as error:
        return error


def together(*actions: Any) -> list[Any]:
    labelled = race(len(actions), lambda i: (i, _outcome(actions[i])))
    return [outcome for _i, outcome in sorted(labelled, key=lambda pair: pair[0])]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_rsvp_a_revocation_and_a_new_batch_race_without_deadlock(
    org: Organization, event: Event, group: PortalGroup
) -> None:
    # RSVP to a capped event: event -> invite. Revoking the invite: portal ->
    # invite. Generating on that portal: portal -> credit account, and its
    # inserts wait for the event the RSVP holds. Three orders, one list.
    Event.objects.filter(pk=event.pk).update(capacity=100)
    give_credits(org, invite=2 * ROUNDS)
    for round_number in range(ROUNDS):
        portal = assign(
            make_portal(organization=org, group=group, name=f"Race {round_number}", allocation=10)
        )
        batch = invites.generate_invites(
            portal, [invites.GuestInput(name="Ada", email="ada@example.com")], method="single"
        )
        invite = Invite.objects.get(batch=batch)

        results = together(
            partial(answers.respond, invite, accept=True),
            partial(invites.revoke_invite, invite),
            partial(
                invites.generate_invites,
                portal,
                [invites.GuestInput(name="Bea", email="bea@example.com")],
                method="single",
            ),
        )

        refused = (answers.InviteRevoked, invites.InviteNotRevocable)
        assert [r for r in results if isinstance(r, Exception) and not isinstance(r, refused)] == []
        invite.refresh_from_db()
        portal.refresh_from_db()
        # One of the answer and the revocation came first; the other saw it.
        assert invite.status in (Invite.Status.ACCEPTED, Invite.Status.REVOKED)
        assert portal.invites_used == live_invites(portal)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_revoking_a_portal_while_its_owner_generates_and_the_organizer_edits(
    org: Organization, group: PortalGroup
) -> None:
    # Editing: group -> portal; generating: portal -> credit account; revoking: portal.
    give_credits(org, invite=ROUNDS)
    for round_number in range(ROUNDS):
        portal = assign(
            make_portal(organization=org, group=group, name=f"Edit {round_number}", allocation=5)
        )
        results = together(
            partial(portals.revoke_portal, portal, actor=None),
            partial(
                invites.generate_invites,
                portal,
                [invites.GuestInput(name="Ada", email="ada@example.com")],
                method="single",
            ),
            partial(
                portals.update_portal, portal, name=portal.name, allocation=4, contact_email=""
            ),
        )
        expected = (PortalRevoked,)
        assert [
            r for r in results if isinstance(r, Exception) and not isinstance(r, expected)
        ] == []
        portal.refresh_from_db()
        assert portal.status == Portal.Status.REVOKED
        assert portal.invites_used == live_invites(portal)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_batches_paying_last_race_the_locks_on_what_they_point_at_without_deadlock(
    org: Organization, event: Event, group: PortalGroup, alice: Any
) -> None:
    # A batch inserts first, taking KEY SHARE locks on its organization, event
    # and invite type, and locks the credit account last. Racing it: the paths
    # that lock those rows FOR UPDATE (a credit request: the organization; an
    # event edit; a new code for the type, which re-keys its row), none of
    # which takes a credit account, and the account's other payers (a claim,
    # a single invite). Every one must finish, none deadlocked.
    give_credits(org, invite=ROUNDS * 201 + ROUNDS * 50, portal=ROUNDS)
    invite_type = InviteType.objects.get(group=group)
    for round_number in range(ROUNDS):
        booth = assign(
            make_portal(organization=org, group=group, name=f"Booth {round_number}", allocation=100)
        )
        other = assign(
            make_portal(organization=org, group=group, name=f"Other {round_number}", allocation=1)
        )
        unclaimed = make_portal(
            organization=org, group=group, name=f"Unclaimed {round_number}", allocation=1
        )
        results = together(
            partial(invites.generate_invites, booth, [], blank=100, method="blank"),
            partial(
                invites.generate_organizer_invites,
                event,
                [],
                blank=100,
                invite_type=invite_type,
                method="blank",
            ),
            partial(
                invites.generate_invites, other, [invites.GuestInput(name="Ada")], method="single"
            ),
            partial(claim_portal, unclaimed, email=f"owner{round_number}@example.com"),
            partial(request_credits, org, kind=CreditKind.INVITE, credits=10, requested_by=alice),
            partial(update_event, event, changes={"name": f"Spring Fair {round_number}"}),
            partial(update_invite_type, invite_type, code=("std", "standard")[round_number % 2]),
        )

        assert [r for r in results if isinstance(r, Exception)] == []
        # The operators answered: the next round may ask again.
        CreditRequest.objects.update(status=CreditRequest.Status.DECLINED)
    assert Invite.objects.count() == ROUNDS * 201
    call_command("check_ledger")
