"""The organizer's writes on invite types: create, change, archive (or delete).

A group has 1 to MAX_INVITE_TYPES live types, each with a code unique in the
group (the CSV's `type` and `allocation_<code>` columns name it). Creating a
type gives every portal of the group an allocation of it (the type's default
allocation; a revoked portal gets 0); archiving a type shrinks each portal's
allocation of it to what it has used, so that no portal is left with places
it can no longer give out. A type that has invites is archived, never
deleted (the invites keep pointing at it); a type without any is deleted with
its allocation rows. The last live type of a group can't go.

A group of one type keeps the group's defaults and the type's in step
(update_group mirrors them onto the type, update_invite_type back onto the
group): pages hide the type of such groups, so both must say the same.

Locks: portal group, then its portals in id order (artsvp/locks.py): the
group lock serialises changes of the group's types (the count, the codes),
the portal locks make the allocation rows change under the same lock as
invite generation, through portals/rules.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from artsvp.locks import lock_existing_row, lock_rows, locking_transaction
from artsvp.models_meta import max_length_of
from events import windows as event_windows
from events.models import EntryWindow, Event
from events.windows import WindowDetails
from portals.errors import (
    AllocationBelowUsed,
    DuplicateInviteTypeCode,
    InvalidGroupSettings,
    InviteTypeArchived,
    LastInviteType,
    TooManyInviteTypes,
)
from portals.models import MAX_INVITE_TYPES, InviteType, Portal, PortalAllocation, PortalGroup
from portals.rules import change_allocation
from portals.services import MAX_ALLOCATION, MAX_PLUS_ONES

MAX_TYPE_NAME_LENGTH = max_length_of(InviteType, "name")
MAX_TYPE_CODE_LENGTH = max_length_of(InviteType, "code")
# Lower-case letters, digits and single hyphens: "vip-preview".
CODE_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


@dataclass(frozen=True)
class TypeSettings:
    """What an organizer types about an invite type; `windows` are entry windows
    of the group's event (empty: the type lists none)."""

    name: str
    code: str
    default_allocation: int = 10
    plus_ones_allowed: int = 0
    golden: bool = False
    needs_approval: bool = False
    windows: Sequence[EntryWindow] = ()


def types_with_usage(group: PortalGroup) -> QuerySet[InviteType]:
    """The group's types (live first, then archived) with `allocated` and `used`
    summed over its portals and their windows prefetched: two queries."""
    return (
        InviteType.objects.filter(group=group)
        .annotate(
            allocated=Coalesce(Sum("allocations__size"), 0),
            used=Coalesce(Sum("allocations__used"), 0),
        )
        .prefetch_related("windows")
        .order_by("archived_at", "position", "id")
    )


def check_type_settings(
    group: PortalGroup,
    *,
    name: str | None = None,
    code: str | None = None,
    default_allocation: int | None = None,
    plus_ones_allowed: int | None = None,
    windows: Sequence[EntryWindow] | None = None,
) -> None:
    """Raise InvalidGroupSettings naming the first field that breaks a rule; the
    form and the API schema show the same limits (the constants above)."""
    if name is not None and (not name.strip() or len(name.strip()) > MAX_TYPE_NAME_LENGTH):
        raise InvalidGroupSettings(
            "name",
            gettext("An invite type needs a name of at most %(max)d characters.")
            % {"max": MAX_TYPE_NAME_LENGTH},
        )
    if code is not None and (len(code) > MAX_TYPE_CODE_LENGTH or not re.match(CODE_PATTERN, code)):
        raise InvalidGroupSettings(
            "code",
            gettext(
                "Use lower-case letters, digits and hyphens (at most %(max)d), "
                "for example “vip-preview”."
            )
            % {"max": MAX_TYPE_CODE_LENGTH},
        )
    if default_allocation is not None and not 0 <= default_allocation <= MAX_ALLOCATION:
        raise InvalidGroupSettings(
            "default_allocation",
            gettext("The default allocation is between 0 and %(max)s.") % {"max": MAX_ALLOCATION},
        )
    if plus_ones_allowed is not None and not 0 <= plus_ones_allowed <= MAX_PLUS_ONES:
        raise InvalidGroupSettings(
            "plus_ones_allowed",
            gettext("Plus-ones are between 0 and %(max)s.") % {"max": MAX_PLUS_ONES},
        )
    if windows is not None and any(window.event_id != group.event_id for window in windows):
        raise InvalidGroupSettings("windows", gettext("Pick entry windows of this group's event."))


def _check_code_free(group: PortalGroup, code: str, *, exclude: InviteType | None = None) -> None:
    # Archived types keep their code: the invites of the type still carry it.
    others = InviteType.objects.filter(group=group, code=code)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        raise DuplicateInviteTypeCode(code)


def _lock_group(group: PortalGroup) -> PortalGroup:
    return lock_existing_row(PortalGroup.objects.filter(pk=group.pk))


def _lock_portals(group: PortalGroup) -> list[Portal]:
    return lock_rows(Portal.objects.filter(group=group))


def _live_count(group: PortalGroup) -> int:
    return InviteType.objects.filter(group=group, archived_at__isnull=True).count()


def create_invite_type(group: PortalGroup, *, settings: TypeSettings) -> InviteType:
    """Add a type at the end of the group's list, and its allocation to every portal
    of the group. Raises TooManyInviteTypes, DuplicateInviteTypeCode or
    InvalidGroupSettings, having changed nothing."""
    name, code = settings.name.strip(), settings.code.strip().lower()
    check_type_settings(
        group,
        name=name,
        code=code,
        default_allocation=settings.default_allocation,
        plus_ones_allowed=settings.plus_ones_allowed,
        windows=settings.windows,
    )
    with locking_transaction():
        # Under the group lock: two types added at once both count the other.
        locked = _lock_group(group)
        if _live_count(locked) >= MAX_INVITE_TYPES:
            raise TooManyInviteTypes(MAX_INVITE_TYPES)
        _check_code_free(locked, code)
        last = InviteType.objects.filter(group=locked).aggregate(last=Max("position"))["last"]
        invite_type = InviteType.objects.create(
            organization_id=locked.organization_id,
            group=locked,
            name=name,
            code=code,
            default_allocation=settings.default_allocation,
            plus_ones_allowed=settings.plus_ones_allowed,
            golden=settings.golden,
            needs_approval=settings.needs_approval,
            position=0 if last is None else last + 1,
        )
        invite_type.windows.set(settings.windows)
        # The portals' new allocation rows, under each portal's lock (the
        # generation of invites reads the rows under it).
        for portal in _lock_portals(locked):
            size = 0 if portal.is_revoked else invite_type.default_allocation
            change_allocation(portal, invite_type.pk, size)
        return invite_type


def update_invite_type(
    invite_type: InviteType,
    *,
    name: str | None = None,
    code: str | None = None,
    default_allocation: int | None = None,
    plus_ones_allowed: int | None = None,
    golden: bool | None = None,
    needs_approval: bool | None = None,
    windows: Sequence[EntryWindow] | None = None,
    position: int | None = None,
) -> InviteType:
    """Change the given settings (None leaves one as it is) in one transaction.

    Invites already generated keep the flags and plus-ones they were given;
    portals keep their allocations (the default is for new portals). Raises
    InviteTypeArchived, DuplicateInviteTypeCode or InvalidGroupSettings.
    """
    name = name.strip() if name is not None else None
    code = code.strip().lower() if code is not None else None
    with locking_transaction():
        group = _lock_group(invite_type.group)
        locked = InviteType.objects.get(pk=invite_type.pk)
        if locked.is_archived:
            raise InviteTypeArchived()
        check_type_settings(
            group,
            name=name,
            code=code,
            default_allocation=default_allocation,
            plus_ones_allowed=plus_ones_allowed,
            windows=windows,
        )
        if position is not None and position < 0:
            raise InvalidGroupSettings("position", gettext("A position is 0 or more."))
        if code is not None:
            _check_code_free(group, code, exclude=locked)
        for field, value in (
            ("name", name),
            ("code", code),
            ("default_allocation", default_allocation),
            ("plus_ones_allowed", plus_ones_allowed),
            ("golden", golden),
            ("needs_approval", needs_approval),
            ("position", position),
        ):
            if value is not None:
                setattr(locked, field, value)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise DuplicateInviteTypeCode(locked.code) from None
        if windows is not None:
            locked.windows.set(windows)
        if _live_count(group) == 1:
            # A group of one type: its defaults are the group's (update_group mirrors back).
            PortalGroup.objects.filter(pk=group.pk).update(
                default_allocation=locked.default_allocation,
                default_plus_ones=locked.plus_ones_allowed,
            )
        return locked


def archive_invite_type(invite_type: InviteType) -> bool:
    """Retire a type: deleted (with its allocation rows) when it has no invites,
    archived otherwise, each portal's allocation of it shrunk to what it used.
    Returns True when the type was deleted. Raises LastInviteType."""
    with locking_transaction():
        group = _lock_group(invite_type.group)
        locked = InviteType.objects.get(pk=invite_type.pk)
        if locked.is_archived:
            return False
        if _live_count(group) <= 1:
            raise LastInviteType()
        portals = _lock_portals(group)
        try:
            with transaction.atomic():
                # Every portal's rows are locked: no invite of the type can be
                # generated meanwhile. PROTECT from the invites decides.
                for portal in portals:
                    change_allocation(portal, locked.pk, 0)
                PortalAllocation.objects.filter(invite_type=locked, size=0).delete()
                locked.delete()
                return True
        except (ProtectedError, AllocationBelowUsed):
            pass
        # The savepoint's writes are undone: the portals (still locked) are read again.
        for portal in _lock_portals(group):
            allocation = PortalAllocation.objects.filter(portal=portal, invite_type=locked).first()
            if allocation is not None:
                change_allocation(portal, locked.pk, allocation.used)
        InviteType.objects.filter(pk=locked.pk).update(archived_at=timezone.now())
        return False


# --- The types an entry window admits --------------------------------------------------
# Recorded on the types (InviteType.windows): events can't know portals' types, so
# the window pages and endpoints, which live in portals, save both in one transaction.


def _check_window_types(event: Event, invite_types: Sequence[InviteType]) -> None:
    if any(invite_type.group.event_id != event.pk for invite_type in invite_types):
        raise InvalidGroupSettings(
            "invite_types", gettext("Pick invite types of this event's portal groups.")
        )


def event_types(event: Event) -> list[InviteType]:
    """The live invite types of the event's groups, by group then position (the window form)."""
    return list(
        InviteType.objects.filter(group__event=event, archived_at__isnull=True)
        .select_related("group")
        .order_by("group__name", "group_id", "position", "id")
    )


def type_labels(types: Sequence[InviteType]) -> dict[int, str]:
    """How pages name each of an event's live types (`event_types`): "Exhibitors ·
    VIP Preview", or just "Sponsors" for a group of one type (whose type pages hide)."""
    per_group: dict[int, int] = {}
    for invite_type in types:
        per_group[invite_type.group_id] = per_group.get(invite_type.group_id, 0) + 1
    return {
        t.pk: t.group.name if per_group[t.group_id] == 1 else f"{t.group.name} · {t.name}"
        for t in types
    }


def create_window(
    event: Event, *, details: WindowDetails, invite_types: Sequence[InviteType] = ()
) -> EntryWindow:
    """An entry window admitting `invite_types` (none: every invite). Raises the
    errors of events/windows.create_window, or InvalidGroupSettings for a type
    of another event."""
    _check_window_types(event, invite_types)
    with locking_transaction():
        window = event_windows.create_window(event, details=details)
        window.invite_types.set(invite_types)
        return window


def update_window(
    window: EntryWindow,
    *,
    changes: Mapping[str, Any],
    invite_types: Sequence[InviteType] | None = None,
) -> EntryWindow:
    """Change the window's details and (unless None) the live types it admits, all or
    nothing. Archived types keep the windows they admit: their invites still come."""
    if invite_types is not None:
        _check_window_types(window.event, invite_types)
    with locking_transaction():
        updated = event_windows.update_window(window, changes=changes)
        if invite_types is not None:
            archived = updated.invite_types.filter(archived_at__isnull=False)
            updated.invite_types.set([*invite_types, *archived])
        return updated
