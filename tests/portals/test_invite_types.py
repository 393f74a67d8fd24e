"""portals/invite_types.py: the group's types, their codes and limits, and the
allocation rows every portal gets of them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from events.models import EntryWindow, Event
from invites.models import InviteBatch
from invites.services import generate_invites
from portals.errors import (
    DuplicateInviteTypeCode,
    InvalidGroupSettings,
    InviteTypeArchived,
    LastInviteType,
    TooManyInviteTypes,
)
from portals.invite_types import (
    TypeSettings,
    archive_invite_type,
    create_invite_type,
    types_with_usage,
    update_invite_type,
)
from portals.models import MAX_INVITE_TYPES, InviteType, Portal, PortalAllocation, PortalGroup
from portals.services import live_types, update_group
from tests.conftest import give_credits, make_portal
from tests.invites.helpers import assign


def vip(**overrides: object) -> TypeSettings:
    fields: dict[str, object] = {
        "name": "VIP Preview",
        "code": "vip-preview",
        "default_allocation": 5,
    }
    fields.update(overrides)
    return TypeSettings(**fields)  # type: ignore[arg-type]  # the tests' overrides, typed per field by the dataclass


def sizes(portal: Portal) -> dict[str, tuple[int, int]]:
    return {
        row.invite_type.code: (row.size, row.used)
        for row in PortalAllocation.objects.filter(portal=portal).select_related("invite_type")
    }


def test_a_new_type_gives_every_portal_its_default_allocation(
    group: PortalGroup, portal: Portal
) -> None:
    revoked = make_portal(group=group, name="Closed", allocation=3, status=Portal.Status.REVOKED)

    invite_type = create_invite_type(group, settings=vip())

    assert invite_type.position == 1
    assert sizes(portal) == {"standard": (10, 0), "vip-preview": (5, 0)}
    assert sizes(revoked) == {"standard": (3, 0), "vip-preview": (0, 0)}
    portal.refresh_from_db()
    assert (portal.allocation, portal.invites_used) == (15, 0)


def test_codes_are_unique_in_the_group_even_archived(group: PortalGroup) -> None:
    create_invite_type(group, settings=vip())
    with pytest.raises(DuplicateInviteTypeCode) as caught:
        create_invite_type(group, settings=vip(name="Other"))
    assert caught.value.code == "duplicate_invite_type_code"

    other = create_invite_type(group, settings=vip(name="VIP", code="vip"))
    with pytest.raises(DuplicateInviteTypeCode):
        update_invite_type(other, code="VIP-Preview")


def test_a_group_has_at_most_ten_live_types(group: PortalGroup) -> None:
    for n in range(MAX_INVITE_TYPES - 1):
        create_invite_type(group, settings=vip(name=f"Tier {n}", code=f"tier-{n}"))
    with pytest.raises(TooManyInviteTypes) as caught:
        create_invite_type(group, settings=vip())
    assert caught.value.status == 409
    assert InviteType.objects.filter(group=group).count() == MAX_INVITE_TYPES


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": " "}, "name"),
        ({"code": "VIP Preview!"}, "code"),
        ({"code": "-vip"}, "code"),
        ({"default_allocation": -1}, "default_allocation"),
        ({"plus_ones_allowed": 51}, "plus_ones_allowed"),
    ],
)
def test_settings_out_of_bounds_name_their_field(
    group: PortalGroup, overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidGroupSettings) as caught:
        create_invite_type(group, settings=vip(**overrides))
    assert caught.value.field == field
    assert caught.value.status == 422


def test_windows_must_belong_to_the_groups_event(group: PortalGroup, event: Event) -> None:
    other_event = Event.objects.create(
        organization=event.organization,
        slug="other",
        name="Other",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    elsewhere = EntryWindow.objects.create(
        organization=event.organization,
        event=other_event,
        label="Elsewhere",
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=2),
    )
    with pytest.raises(InvalidGroupSettings) as caught:
        create_invite_type(group, settings=vip(windows=[elsewhere]))
    assert caught.value.field == "windows"

    mine = EntryWindow.objects.create(
        organization=event.organization,
        event=event,
        label="Thu 11:00",
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=2),
    )
    invite_type = create_invite_type(group, settings=vip(windows=[mine]))
    assert list(invite_type.windows.all()) == [mine]
    update_invite_type(invite_type, windows=[])
    assert not invite_type.windows.exists()


def test_an_update_changes_only_what_it_names(group: PortalGroup) -> None:
    invite_type = create_invite_type(group, settings=vip(golden=True))

    updated = update_invite_type(invite_type, name="VIP Early", needs_approval=True)

    assert (updated.name, updated.code, updated.golden, updated.needs_approval) == (
        "VIP Early",
        "vip-preview",
        True,
        True,
    )


def test_a_type_without_invites_is_deleted_with_its_allocations(
    group: PortalGroup, portal: Portal
) -> None:
    invite_type = create_invite_type(group, settings=vip())

    assert archive_invite_type(invite_type) is True

    assert not InviteType.objects.filter(pk=invite_type.pk).exists()
    assert sizes(portal) == {"standard": (10, 0)}
    portal.refresh_from_db()
    assert portal.allocation == 10


def test_a_type_with_invites_is_archived_and_its_allocations_shrink_to_what_was_used(
    group: PortalGroup, portal: Portal, org: Any
) -> None:
    invite_type = create_invite_type(group, settings=vip())
    give_credits(org, invite=5)
    generate_invites(
        assign(portal), [], blank=2, invite_type="vip-preview", method=InviteBatch.Method.BLANK
    )

    assert archive_invite_type(invite_type) is False

    invite_type.refresh_from_db()
    assert invite_type.is_archived
    assert sizes(portal) == {"standard": (10, 0), "vip-preview": (2, 2)}
    assert [t.code for t in live_types(group)] == ["standard"]
    with pytest.raises(InviteTypeArchived):
        update_invite_type(invite_type, name="Back")
    # The code stays taken: the invites of the type still carry it.
    with pytest.raises(DuplicateInviteTypeCode):
        create_invite_type(group, settings=vip())


def test_the_last_live_type_cannot_go(group: PortalGroup) -> None:
    (only,) = live_types(group)
    with pytest.raises(LastInviteType):
        archive_invite_type(only)


def test_a_group_of_one_type_keeps_its_defaults_and_the_types_in_step(group: PortalGroup) -> None:
    (only,) = live_types(group)
    update_invite_type(only, default_allocation=7, plus_ones_allowed=2)
    group.refresh_from_db()
    assert (group.default_allocation, group.default_plus_ones) == (7, 2)

    update_group(group, default_allocation=9)
    only.refresh_from_db()
    assert only.default_allocation == 9


def test_usage_sums_each_type_over_the_portals(
    group: PortalGroup, portal: Portal, django_assert_max_num_queries: Any
) -> None:
    create_invite_type(group, settings=vip())
    make_portal(group=group, name="Studio Aalto", allocation=4)  # standard only

    with django_assert_max_num_queries(2):
        rows = [
            # `allocated` and `used` are the queryset's annotations.
            (t.code, t.allocated, t.used, list(t.windows.all()))  # type: ignore[attr-defined]
            for t in types_with_usage(group)
        ]

    assert rows == [("standard", 14, 0, []), ("vip-preview", 5, 0, [])]


def test_an_archived_type_keeps_its_windows_when_a_window_is_edited(
    group: PortalGroup, portal: Portal, org: Any, event: Event
) -> None:
    from events.windows import WindowDetails
    from portals import invite_types

    preview = create_invite_type(group, settings=vip())
    local = event.local_starts_at.replace(tzinfo=None)
    window = invite_types.create_window(
        event,
        details=WindowDetails(label="VIP", starts_at=local, ends_at=local + timedelta(hours=2)),
        invite_types=[preview],
    )
    give_credits(org, invite=1)
    generate_invites(
        assign(portal), [], blank=1, invite_type="vip-preview", method=InviteBatch.Method.BLANK
    )
    archive_invite_type(preview)
    (standard,) = live_types(group)

    invite_types.update_window(window, changes={}, invite_types=[standard])

    assert set(window.invite_types.all()) == {standard, preview}
