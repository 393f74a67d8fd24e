"""invites/services.py: generating typed invites (a portal's, the organizer's),
labels, multi-use links, golden and approval, and the type errors."""

from __future__ import annotations

import pytest

from invites.models import Invite, InviteBatch
from invites.services import (
    GuestInput,
    InvalidGuests,
    InviteTypeOfAnotherGroup,
    UnknownInviteType,
    generate_invites,
    generate_organizer_invites,
    resolve_event_invite_type,
)
from portals.errors import AllocationExceeded
from portals.models import InviteType
from tests.conftest import give_credits, make_group, make_portal
from tests.invites.helpers import assign, balance
from tests.invites.type_helpers import add_type, used_by_type

pytestmark = pytest.mark.django_db

BLANK = InviteBatch.Method.BLANK
PASTE = InviteBatch.Method.PASTE


@pytest.fixture
def fair(org, group, portal):
    """Exhibitors with three types: standard (10), vip-preview (3, golden), public (5)."""
    give_credits(org, invite=50)
    assign(portal)
    add_type(group, "vip-preview", "VIP Preview", allocations={portal: 3}, golden=True)
    add_type(group, "public", "Public days", allocations={portal: 5}, needs_approval=True)
    portal.refresh_from_db()
    return portal


def test_each_type_takes_its_own_allocation_and_one_credit_per_invite(org, fair):
    generate_invites(fair, [], blank=2, invite_type="vip-preview", method=BLANK)
    generate_invites(
        fair,
        [GuestInput(name="Ada"), GuestInput(name="Bea", invite_type="standard")],
        invite_type="public",
        method=PASTE,
    )

    assert used_by_type(fair) == {"standard": (1, 10), "vip-preview": (2, 3), "public": (1, 5)}
    fair.refresh_from_db()
    assert fair.invites_used == 4
    assert balance(org) == 46
    ada = Invite.objects.get(guest_name="Ada")
    assert (ada.invite_type.code, ada.golden, ada.needs_approval) == ("public", False, True)
    blank = Invite.objects.filter(invite_type__code="vip-preview").first()
    assert blank.golden is True


def test_with_several_types_a_type_is_required(fair):
    with pytest.raises(InvalidGuests) as refused:
        generate_invites(fair, [GuestInput(name="Ada")], blank=1, method=PASTE)

    assert refused.value.errors == [
        "Guest 1: choose an invite type.",
        "Choose an invite type for the blank links.",
    ]
    assert not Invite.objects.exists()


def test_a_refusal_names_the_type_and_the_numbers(org, fair):
    with pytest.raises(AllocationExceeded) as refused:
        generate_invites(fair, [], blank=4, invite_type="vip-preview", method=BLANK)

    assert str(refused.value) == "You asked for 4 VIP Preview invites but only 3 remain (1 short)."
    assert refused.value.details == {"requested": 4, "remaining": 3, "invite_type": "vip-preview"}
    assert balance(org) == 50


def test_a_batch_across_types_is_all_or_nothing(org, fair):
    guests = [GuestInput(name=f"G{i}", invite_type="vip-preview") for i in range(4)]
    with pytest.raises(AllocationExceeded):
        generate_invites(
            fair, [GuestInput(name="Fine"), *guests], invite_type="public", method=PASTE
        )

    assert used_by_type(fair) == {"standard": (0, 10), "vip-preview": (0, 3), "public": (0, 5)}
    assert balance(org) == 50


def test_a_multi_use_link_takes_its_uses_of_the_allocation_and_one_credit(org, fair):
    link = GuestInput(label="Galerie Nord team", uses=4)
    generate_invites(fair, [], blank=1, blank_link=link, invite_type="public", method=BLANK)

    invite = Invite.objects.get()
    assert (invite.label, invite.uses, invite.uses_taken, invite.is_blank) == (
        "Galerie Nord team",
        4,
        0,
        True,
    )
    assert used_by_type(fair)["public"] == (4, 5)
    assert balance(org) == 49


def test_an_unknown_type_is_refused_naming_the_field(fair):
    with pytest.raises(UnknownInviteType) as refused:
        generate_invites(fair, [GuestInput(name="Ada", invite_type="gold")], method=PASTE)

    assert refused.value.code == "unknown_invite_type"
    assert refused.value.field == "guests.0.invite_type"
    assert "public, standard, vip-preview" in str(refused.value)
    assert not isinstance(refused.value, InviteTypeOfAnotherGroup)


def test_a_type_of_another_group_is_not_found(org, event, fair):
    sponsors = make_group(organization=org, event=event, name="Sponsors")
    add_type(sponsors, "gold", "Gold")

    with pytest.raises(InviteTypeOfAnotherGroup) as refused:
        generate_invites(fair, [], blank=1, invite_type="gold", method=BLANK)

    assert (refused.value.status, refused.value.field) == (404, "invite_type")


def test_an_owner_may_not_set_golden_or_approval(fair):
    with pytest.raises(InvalidGuests) as refused:
        generate_invites(
            fair,
            [GuestInput(name="Ada", golden=True)],
            invite_type="standard",
            method=PASTE,
            by_owner=True,
        )

    assert refused.value.errors == ["Guest 1: golden and approval are set by the organizer."]


def test_the_organizer_sets_golden_and_approval_per_invite_on_a_portal(fair):
    generate_invites(
        fair,
        [GuestInput(name="Ada", golden=False), GuestInput(name="Bea", needs_approval=False)],
        invite_type="vip-preview",
        method=InviteBatch.Method.API,
    )

    flags = dict(Invite.objects.values_list("guest_name", "golden"))
    assert flags == {"Ada": False, "Bea": True}


def test_organizer_invites_may_carry_a_type_with_its_defaults_and_no_allocation(org, event, fair):
    vip = InviteType.objects.get(code="vip-preview")
    batch = generate_organizer_invites(
        event,
        [GuestInput(name="Ada"), GuestInput(name="Bea", needs_approval=True, uses=3)],
        blank=1,
        invite_type=vip,
        method=PASTE,
    )

    invites = list(Invite.objects.filter(batch=batch).order_by("id"))
    assert [invite.invite_type_id for invite in invites] == [vip.pk] * 3
    assert [invite.golden for invite in invites] == [True, True, True]
    assert [invite.needs_approval for invite in invites] == [False, True, False]
    assert invites[1].uses == 3
    assert [invite.portal_id for invite in invites] == [None] * 3
    assert used_by_type(fair)["vip-preview"] == (0, 3)
    assert balance(org) == 47


def test_organizer_invites_without_a_type_have_none(event, fair):
    batch = generate_organizer_invites(event, [GuestInput(name="Ada")], method=PASTE)

    invite = Invite.objects.get(batch=batch)
    assert (invite.invite_type, invite.golden, invite.needs_approval) == (None, False, False)


def test_an_event_type_is_named_by_its_id_or_a_code_only_one_group_has(org, event, fair):
    sponsors = make_group(organization=org, event=event, name="Sponsors")
    gold = add_type(sponsors, "gold", "Gold")

    assert resolve_event_invite_type(event, "gold") == gold
    assert resolve_event_invite_type(event, gold.public_id) == gold
    with pytest.raises(UnknownInviteType, match="Several portal groups"):
        # Every group has "standard".
        resolve_event_invite_type(event, "standard")
    with pytest.raises(UnknownInviteType):
        resolve_event_invite_type(event, "nope")


def test_a_type_of_another_event_is_refused_for_the_organizer(org, event, other_portal):
    foreign = InviteType.objects.get(group=other_portal.group)
    give_credits(org, invite=5)

    with pytest.raises(UnknownInviteType):
        generate_organizer_invites(
            event, [GuestInput(name="Ada")], invite_type=foreign, method=PASTE
        )


def test_invites_record_the_sharing_rule_of_their_time(org, group, fair):
    generate_invites(fair, [], blank=1, invite_type="standard", method=BLANK)
    group.share_all_invites = True
    group.save()
    generate_invites(fair, [], blank=1, invite_type="standard", method=BLANK)

    assert list(Invite.objects.order_by("id").values_list("shared_with_organizer", flat=True)) == [
        False,
        True,
    ]


def test_one_type_groups_need_no_type(org, group, portal):
    give_credits(org, invite=5)
    assign(portal)
    other = make_portal(group=group, name="Other", allocation=2)
    assert other.pk

    batch = generate_invites(portal, [GuestInput(name="Ada")], blank=1, method=PASTE)

    assert set(Invite.objects.filter(batch=batch).values_list("invite_type__code", flat=True)) == {
        "standard"
    }
