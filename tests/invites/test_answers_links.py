"""invites/answers.py: multi-use links, each answer an invite of its own."""

from __future__ import annotations

import pytest

from invites.answers import (
    AlreadyAnswered,
    GuestDetailsRequired,
    InviteIsALink,
    InviteRevoked,
    LinkUsedUp,
    PlusOnesExceeded,
    RsvpClosed,
    WindowFull,
    WindowRequired,
    answer_link,
    respond,
)
from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_invites, revoke_invite
from portals.models import PortalAllocation
from tests.conftest import give_credits
from tests.invites.helpers import assign, balance
from tests.invites.windows import add_type, add_window, invites_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(org, portal) -> Invite:
    give_credits(org, invite=10)
    assign(portal)
    return generate_invites(
        portal,
        [
            GuestInput(
                label="Galerie Nord team",
                tags=["team", "press"],
                metadata={"booth": "B12"},
                uses=3,
                plus_ones=1,
            )
        ],
        method=InviteBatch.Method.SINGLE,
    ).invites.get()


def test_each_answer_is_an_invite_inheriting_the_link(org, portal, link):
    credits, used = balance(org), PortalAllocation.objects.get(portal=portal).used
    answer = answer_link(link, name="Ada Nord", email="ada@example.com", plus_ones=1)

    answer.refresh_from_db()
    assert answer.parent == link and answer.pk != link.pk
    assert (answer.guest_name, answer.guest_email) == ("Ada Nord", "ada@example.com")
    assert (answer.status, answer.plus_ones) == (Invite.Status.ACCEPTED, 1)
    assert answer.label == "Galerie Nord team"
    assert answer.tags == ["team", "press"] and answer.metadata == {"booth": "B12"}
    assert (answer.portal, answer.batch, answer.invite_type) == (
        link.portal,
        link.batch,
        link.invite_type,
    )
    assert answer.shared_with_organizer == link.shared_with_organizer
    assert (answer.uses, answer.uses_taken) == (1, 1)
    assert answer.token != link.token
    link.refresh_from_db()
    assert link.uses_taken == 1
    # The link paid: the answers use no credit and no allocation.
    assert balance(org) == credits
    assert PortalAllocation.objects.get(portal=portal).used == used == 3


def test_a_link_used_up_refuses_the_next_guest(link):
    for n in range(3):
        answer_link(link, name=f"Guest {n}", email=f"g{n}@example.com")
    with pytest.raises(LinkUsedUp) as refused:
        answer_link(link, name="Late", email="late@example.com")
    assert refused.value.code == "link_used_up"
    link.refresh_from_db()
    assert link.uses_taken == 3 == link.answers.count()


def test_the_same_email_cannot_answer_twice(link):
    answer_link(link, name="Ada", email="ada@example.com")
    with pytest.raises(AlreadyAnswered) as refused:
        answer_link(link, name="Ada again", email="ADA@Example.com")
    assert refused.value.code == "already_answered"
    link.refresh_from_db()
    assert link.uses_taken == 1


def test_a_link_answer_needs_details_and_keeps_to_the_plus_ones(link):
    with pytest.raises(GuestDetailsRequired):
        answer_link(link, name="Ada", email="")
    with pytest.raises(GuestDetailsRequired):
        answer_link(link, name="Ada", email="not an email")
    with pytest.raises(PlusOnesExceeded):
        answer_link(link, name="Ada", email="ada@example.com", plus_ones=2)
    link.refresh_from_db()
    assert link.uses_taken == 0


def test_a_revoked_or_closed_link_takes_no_answer(link):
    event = link.event
    event.rsvp_open = False
    event.save()
    with pytest.raises(RsvpClosed):
        answer_link(link, name="Ada", email="ada@example.com")
    revoke_invite(link)
    with pytest.raises(InviteRevoked):
        answer_link(link, name="Ada", email="ada@example.com")


def test_a_link_is_not_answered_as_one_invite(link):
    with pytest.raises(InviteIsALink):
        respond(link, accept=True)


def test_the_answer_itself_can_change_like_any_invite(link):
    answer = answer_link(link, name="Ada", email="ada@example.com", plus_ones=1)
    respond(answer, accept=False)
    answer.refresh_from_db()
    assert answer.status == Invite.Status.DECLINED
    link.refresh_from_db()
    assert link.uses_taken == 1  # a use taken stays taken


def test_link_answers_get_a_window_and_its_capacity(event, group, portal):
    morning = add_window(event, "Morning", hour=10, capacity=2)
    evening = add_window(event, "Evening", hour=18, capacity=5)
    vip = add_type(group, "vip", morning, evening, plus_ones_allowed=1)
    golden_type = add_type(group, "golden", morning, golden=True, plus_ones_allowed=1)
    approval = add_type(group, "guest-list", morning, needs_approval=True)
    [link] = invites_of(event, portal=portal, invite_type=vip, uses=10)
    with pytest.raises(WindowRequired):
        answer_link(link, name="Ada", email="ada@example.com")
    answer_link(link, name="Ada", email="ada@example.com", plus_ones=1, window=morning)
    with pytest.raises(WindowFull) as refused:
        answer_link(link, name="Bea", email="bea@example.com", window=morning)
    assert [choice.window for choice in refused.value.alternatives] == [evening]
    assert link.answers.count() == 1

    [golden] = invites_of(event, portal=portal, invite_type=golden_type, uses=2)
    over = answer_link(golden, name="Cy", email="cy@example.com", plus_ones=1)
    assert (over.status, over.entry_window, over.golden) == (Invite.Status.ACCEPTED, morning, True)

    [waiting] = invites_of(event, portal=portal, invite_type=approval, uses=2)
    pending = answer_link(waiting, name="Di", email="di@example.com")
    assert (pending.status, pending.entry_window, pending.needs_approval) == (
        Invite.Status.PENDING,
        morning,
        True,
    )
