"""A big batch does not hold the organization's credit account while it inserts.

Every invite and claim of an organization pays from one account row, so a
batch that locked it before inserting its invites would make every other
portal of the organization wait for its whole insert. The batch pays last,
just before commit: while it inserts, a single invite on another portal
commits; and the payment at the end still decides, all or nothing.

PostgreSQL with real threads: the batch is held inside its insert (the
insert is wrapped to wait for the test), and the other invite runs with a
short `lock_timeout`, so a lock it would wait for fails it at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from credits.ledger import InsufficientCredits
from credits.models import CreditEntry, CreditKind
from deliveries.models import Delivery
from invites import services
from invites.bulk import insert_invites
from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_invites, generate_organizer_invites
from portals.claiming import claim_portal
from portals.emails import PORTAL_LINK
from portals.models import CreditShortageNotice, Portal, PortalGroup
from tests.conftest import give_credits, make_portal
from tests.invites.helpers import assign, balance, entries, race

BIG = 2_000
# Long enough for any honest commit on a busy machine, short enough that a
# single invite stuck behind the batch fails the test at once.
LOCK_TIMEOUT = "3s"


class HeldInsert:
    """Wraps insert_invites: the batch of `portal_id` (None: the organizer's)
    stops right after inserting its rows, inside its transaction, until released."""

    def __init__(self, portal_id: int | None) -> None:
        self.portal_id = portal_id
        self.inside = threading.Event()
        self.release = threading.Event()
        self.calls: list[int] = []

    def __call__(self, rows: Any, **kwargs: Any) -> None:
        self.calls.append(len(rows))
        insert_invites(rows, **kwargs)
        if kwargs["portal_id"] == self.portal_id and len(rows) == BIG:
            self.inside.set()
            assert self.release.wait(timeout=60), "the test never released the batch"


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    holds: list[HeldInsert] = []

    def hold(portal_id: int | None) -> HeldInsert:
        wrapper = HeldInsert(portal_id)
        monkeypatch.setattr(services, "insert_invites", wrapper)
        holds.append(wrapper)
        return wrapper

    yield hold
    for wrapper in holds:
        wrapper.release.set()


def _in_thread(work: Any) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as error:
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _quickly(work: Any) -> Any:
    """`work()` on this thread's connection, failing on any lock it would wait for."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        return work()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def _portals(org: Any, group: PortalGroup) -> tuple[Portal, Portal]:
    big = assign(make_portal(organization=org, group=group, name="Big booth", allocation=BIG))
    small = assign(
        make_portal(organization=org, group=group, name="Small booth", allocation=5),
        "small@example.com",
    )
    return big, small


def _one_guest(portal: Portal) -> InviteBatch:
    return generate_invites(
        portal, [GuestInput(name="Ada", email="ada@example.com")], method="single"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_single_invite_on_another_portal_commits_while_a_big_batch_inserts(
    org: Any, group: PortalGroup, held: Any
) -> None:
    give_credits(org, invite=BIG + 10)
    big, small = _portals(org, group)
    hold = held(big.pk)

    thread, outcome = _in_thread(lambda: generate_invites(big, [], blank=BIG, method="blank"))
    try:
        assert hold.inside.wait(timeout=60), outcome
        # The batch is inside its insert, its transaction open: this one pays
        # from the same account and must not wait for it.
        single = _quickly(lambda: _one_guest(small))
        assert Invite.objects.filter(batch=single).count() == 1
        assert balance(org) == BIG + 9
        assert not Invite.objects.filter(portal=big).exists()
    finally:
        hold.release.set()
        thread.join(timeout=120)

    [batch] = outcome
    assert isinstance(batch, InviteBatch), batch
    assert Invite.objects.filter(batch=batch).count() == BIG
    assert balance(org) == 9
    paid = {
        entry.invite_batch_id: entry.amount for entry in entries(org, reason="invite_generation")
    }
    assert paid == {batch.pk: -BIG, single.pk: -1}
    big.refresh_from_db()
    small.refresh_from_db()
    assert (big.invites_used, small.invites_used) == (BIG, 1)
    call_command("check_ledger")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_organizers_big_batch_does_not_hold_a_portals_invite_either(
    org: Any, event: Any, group: PortalGroup, held: Any
) -> None:
    give_credits(org, invite=BIG + 1)
    _big, small = _portals(org, group)
    hold = held(None)

    thread, outcome = _in_thread(
        lambda: generate_organizer_invites(event, [], blank=BIG, method="blank")
    )
    try:
        assert hold.inside.wait(timeout=60), outcome
        single = _quickly(lambda: _one_guest(small))
    finally:
        hold.release.set()
        thread.join(timeout=120)

    [batch] = outcome
    assert isinstance(batch, InviteBatch), batch
    assert Invite.objects.filter(batch=batch).count() == BIG
    assert Invite.objects.filter(batch=single).count() == 1
    assert balance(org) == 0
    call_command("check_ledger")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_of_another_portal_commits_while_a_big_batch_inserts(
    org: Any, group: PortalGroup, held: Any
) -> None:
    give_credits(org, invite=BIG, portal=1)
    big, _small = _portals(org, group)
    unclaimed = make_portal(organization=org, group=group, name="New booth", allocation=5)
    hold = held(big.pk)

    thread, outcome = _in_thread(lambda: generate_invites(big, [], blank=BIG, method="blank"))
    try:
        assert hold.inside.wait(timeout=60), outcome
        claimed = _quickly(lambda: claim_portal(unclaimed, email="new@example.com"))
        assert claimed.status == Portal.Status.ASSIGNED
    finally:
        hold.release.set()
        thread.join(timeout=120)

    [batch] = outcome
    assert isinstance(batch, InviteBatch), batch
    assert (balance(org), balance(org, CreditKind.PORTAL)) == (0, 0)
    call_command("check_ledger")


def test_a_claim_without_a_portal_credit_leaves_no_owner_and_no_email(
    db: Any, org: Any, portal: Portal
) -> None:
    """A claim pays last too: refused there, its owner and its email roll back with it."""
    with pytest.raises(InsufficientCredits) as caught:
        claim_portal(portal, email="owner@example.com")

    assert (caught.value.requested, caught.value.available) == (1, 0)
    portal.refresh_from_db()
    assert (portal.status, portal.owner_email) == (Portal.Status.UNASSIGNED, "")
    # The organizer hears of the shortage; the claimer gets no portal link.
    assert not Delivery.objects.filter(template=PORTAL_LINK).exists()
    assert CreditShortageNotice.objects.filter(portal=portal, kind=CreditKind.PORTAL).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_batch_that_inserted_first_is_refused_when_the_last_credits_went_meanwhile(
    org: Any, group: PortalGroup, held: Any
) -> None:
    """The balance read before the insert only refuses early; the payment at the
    end decides, and a batch refused there leaves nothing behind."""
    give_credits(org, invite=BIG)
    big, small = _portals(org, group)
    hold = held(big.pk)

    thread, outcome = _in_thread(lambda: generate_invites(big, [], blank=BIG, method="blank"))
    try:
        assert hold.inside.wait(timeout=60), outcome
        single = _quickly(lambda: _one_guest(small))
    finally:
        hold.release.set()
        thread.join(timeout=120)

    [error] = outcome
    assert isinstance(error, InsufficientCredits)
    assert (error.requested, error.available) == (BIG, BIG - 1)
    assert list(InviteBatch.objects.all()) == [single]
    assert Invite.objects.count() == 1
    big.refresh_from_db()
    assert big.invites_used == 0
    assert balance(org) == BIG - 1
    # The organizer hears of the refused batch as of any other.
    notice = CreditShortageNotice.objects.get(portal=big)
    assert (notice.requested, notice.available) == (BIG, BIG - 1)
    call_command("check_ledger")


def test_a_batch_that_cannot_be_paid_for_is_refused_before_it_inserts(
    db: Any, org: Any, portal: Portal, held: Any
) -> None:
    give_credits(org, invite=3)
    assign(portal)
    hold = held(portal.pk)

    with pytest.raises(InsufficientCredits) as caught:
        generate_invites(portal, [], blank=5, method="blank")

    assert hold.calls == []
    assert (caught.value.requested, caught.value.available) == (5, 3)
    assert str(caught.value) == "Not enough invite credits: 5 needed, 3 available (2 short)."
    portal.refresh_from_db()
    assert portal.invites_used == 0
    assert not InviteBatch.objects.exists()
    assert balance(org) == 3
    assert entries(org, reason=CreditEntry.Reason.INVITE_GENERATION) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("credits", "both"), [(BIG, False), (BIG + 1, True)])
def test_a_big_batch_and_a_single_invite_racing_for_the_last_credits(
    org: Any, group: PortalGroup, credits: int, both: bool
) -> None:
    """Exactly one of them gets the credits when only one fits, both when both do,
    and the balance never goes below zero."""
    for round_number in range(3):
        give_credits(org, invite=credits - balance(org))
        big = assign(
            make_portal(organization=org, group=group, name=f"Big {round_number}", allocation=BIG)
        )
        small = assign(
            make_portal(organization=org, group=group, name=f"Small {round_number}", allocation=1)
        )
        before = Invite.objects.count()

        results = race(
            2,
            lambda i, big=big, small=small: (
                generate_invites(big, [], blank=BIG, method="blank")
                if i == 0
                else _one_guest(small)
            ),
        )

        made = [result for result in results if isinstance(result, InviteBatch)]
        refused = [result for result in results if not isinstance(result, InviteBatch)]
        assert all(isinstance(error, InsufficientCredits) for error in refused), refused
        assert len(made) == (2 if both else 1)
        spent = sum(batch.size for batch in made)
        assert Invite.objects.count() - before == spent
        assert balance(org) == credits - spent >= 0
        for portal in (big, small):
            portal.refresh_from_db()
            assert portal.invites_used == Invite.objects.filter(portal=portal).count()
    call_command("check_ledger")


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_deferrable_constraint_starts_deferred() -> None:
    """insert_invites checks the deferred foreign keys at once with SET CONSTRAINTS
    ALL IMMEDIATE, then ALL DEFERRED: harmless while every deferrable constraint
    is initially deferred (Django's foreign keys), wrong for one that is not."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint"
            " WHERE condeferrable AND NOT condeferred"
        )
        assert cursor.fetchall() == []
