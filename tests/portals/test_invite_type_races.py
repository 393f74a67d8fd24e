"""Invite types changed while portals are used, on PostgreSQL: counted from the database."""

from __future__ import annotations

from functools import partial

import pytest
from django.db.models import Sum

from invites.models import InviteBatch
from invites.services import generate_invites
from portals import errors, invite_types
from portals.invite_types import TypeSettings
from portals.models import MAX_INVITE_TYPES, InviteType, Portal, PortalAllocation
from tests.conftest import give_credits
from tests.invites.helpers import assign
from tests.portals.test_races import fresh_portal, together, unexpected

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


def test_two_types_added_at_once_for_the_last_place_one_wins(group) -> None:
    for n in range(MAX_INVITE_TYPES - 2):
        invite_types.create_invite_type(group, settings=TypeSettings(name=f"T{n}", code=f"t-{n}"))

    results = together(
        lambda: invite_types.create_invite_type(group, settings=TypeSettings(name="A", code="a")),
        lambda: invite_types.create_invite_type(group, settings=TypeSettings(name="B", code="b")),
    )

    assert not unexpected(results, errors.TooManyInviteTypes)
    assert sum(isinstance(r, InviteType) for r in results) == 1
    assert InviteType.objects.filter(group=group).count() == MAX_INVITE_TYPES


def test_a_type_added_while_invites_are_generated_keeps_every_sum_right(group, org) -> None:
    give_credits(org, invite=ROUNDS * 3)
    for round_number in range(ROUNDS):
        portal = assign(fresh_portal(group, round_number))

        results = together(
            partial(
                generate_invites,
                portal,
                [],
                blank=3,
                invite_type="standard",
                method=InviteBatch.Method.BLANK,
            ),
            partial(
                invite_types.create_invite_type,
                group,
                settings=TypeSettings(name=f"Tier {round_number}", code=f"tier-{round_number}"),
            ),
        )

        assert not unexpected(results), results
    for portal in Portal.objects.filter(group=group):
        rows = PortalAllocation.objects.filter(portal=portal).aggregate(
            size=Sum("size"), used=Sum("used")
        )
        assert (portal.allocation, portal.invites_used) == (rows["size"], rows["used"])
        assert portal.invites_used == 3


def test_removing_a_type_while_its_invites_are_generated_loses_no_place(group, org) -> None:
    from invites.services import InvalidGuests, UnknownInviteType

    give_credits(org, invite=ROUNDS * 2)
    for round_number in range(ROUNDS):
        vip = invite_types.create_invite_type(
            group, settings=TypeSettings(name=f"VIP {round_number}", code=f"vip-{round_number}")
        )
        portal = assign(fresh_portal(group, round_number))

        results = together(
            partial(
                generate_invites,
                portal,
                [],
                blank=2,
                invite_type=vip.code,
                method=InviteBatch.Method.BLANK,
            ),
            partial(invite_types.archive_invite_type, vip),
        )

        # Generation read the types before the removal: refused, 0 places left;
        # or after it: the type is gone (unknown). Either way nothing is generated.
        assert not unexpected(
            results, InvalidGuests, UnknownInviteType, errors.AllocationExceeded
        ), results
        generated = not isinstance(results[0], Exception)
        row = PortalAllocation.objects.filter(portal=portal, invite_type_id=vip.pk).first()
        if generated:
            # The batch came first: the type is archived, its allocation shrunk to what it used.
            assert results[1] is False
            assert row is not None and (row.size, row.used) == (2, 2)
        else:
            # The removal came first: no invites, so the type and its rows are gone.
            assert results[1] is True and row is None
        portal.refresh_from_db()
        assert portal.invites_used == (2 if generated else 0)
