"""The organizer's writes on portal groups and portals.

None of these use credits: creating a portal is free (a portal credit is
used when its owner claims it, in the portal owner's services), changing the
owner email keeps the credit already used, revoking refunds nothing.

Locks: portal group, then portal (the order is in artsvp/locks.py). The
group row is locked to keep portal names unique within the group (two
imports of the same file at once must not both pass the duplicate check);
the portal row is locked to read `invites_used`, which the owner's invite
generation raises under that same lock. What a locked portal allows (live or
not, the allocation counters) is decided in portals/rules.py; each change of
a group or a portal, however many fields, is one service call and one
transaction (update_group, update_portal), from the pages and the API alike.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from artsvp.emails import one_line
from artsvp.i18n import recognized, supported, with_versions
from artsvp.locks import lock_existing_row, locking_transaction
from artsvp.models_meta import max_length_of
from deliveries.models import Delivery
from deliveries.services import queue_email
from events.models import Event
from portals.emails import LINK_HANDED_OVER, PORTAL_LINK, PORTAL_OWNER_REPLACED
from portals.errors import (
    DuplicateGroupName,
    DuplicatePortalName,
    InvalidGroupSettings,
    NoContactEmail,
    UnknownGroupLanguage,
)
from portals.models import MAX_SENDER_NAME, InviteType, Portal, PortalGroup
from portals.rules import (
    change_allocation,
    ensure_live,
    ensure_not_revoked,
    new_portal_allocations,
)

logger = logging.getLogger(__name__)

MAX_PORTALS_PER_IMPORT = 2000
# A group's defaults: the form, the API schema and the CSV import use these.
MAX_ALLOCATION = 100_000
MAX_PLUS_ONES = 50
MAX_GROUP_NAME_LENGTH = 120
MAX_INSTRUCTIONS_LENGTH = 5000
MAX_PORTAL_NAME_LENGTH = max_length_of(Portal, "name")
# A portal CSV: 2,000 rows of names and addresses fit well within it.
MAX_IMPORT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class GroupSettings:
    name: str
    kind: str = PortalGroup.Kind.EXHIBITOR
    default_allocation: int = 10
    default_plus_ones: int = 0
    instructions: str = ""
    share_all_invites: bool = False
    # The instructions in other languages: {"de": {"instructions": "..."}}.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class PortalRow:
    """One portal to create. `allocations` maps invite type codes to sizes;
    `allocation` is the size of the group's first type; a type given neither
    gets its default."""

    name: str
    allocation: int | None = None
    contact_email: str = ""
    allocations: Mapping[str, int] = field(default_factory=dict)


# The type every group starts with (and the one existing groups were given).
DEFAULT_TYPE_NAME = "Standard"
DEFAULT_TYPE_CODE = "standard"


def live_types(group: PortalGroup) -> list[InviteType]:
    """The group's invite types that portals may use, in the group's order."""
    return list(InviteType.objects.filter(group=group, archived_at__isnull=True))


def check_group_name(event: Event, name: str, *, exclude: PortalGroup | None = None) -> None:
    """Raise DuplicateGroupName when another group of `event` has `name` (any case).

    The form calls it to show the error next to the field; create_group and
    update_group call it too, and the unique index settles a race between two.
    """
    others = PortalGroup.objects.filter(event=event, name__iexact=name.strip())
    if exclude is not None and exclude.pk is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        raise DuplicateGroupName(name.strip())


def _check_group_settings(group: PortalGroup) -> None:
    if not group.name or len(group.name) > MAX_GROUP_NAME_LENGTH:
        raise InvalidGroupSettings(
            "name", gettext("A group needs a name of at most 120 characters.")
        )
    if not 0 <= group.default_allocation <= MAX_ALLOCATION:
        raise InvalidGroupSettings(
            "default_allocation",
            gettext("The default allocation is between 0 and %(max)s.") % {"max": MAX_ALLOCATION},
        )
    if not 0 <= group.default_plus_ones <= MAX_PLUS_ONES:
        raise InvalidGroupSettings(
            "default_plus_ones",
            gettext("Plus-ones are between 0 and %(max)s.") % {"max": MAX_PLUS_ONES},
        )


def checked_group_versions(
    versions: Mapping[str, Mapping[str, str]],
) -> dict[str, dict[str, str]]:
    """A group's instructions per language, as the form or the API gives them,
    checked; an empty text stays, to remove a stored version.
    Raises UnknownGroupLanguage or InvalidGroupSettings."""
    checked: dict[str, dict[str, str]] = {}
    for code, texts in versions.items():
        if supported(code, default="") != code:
            raise UnknownGroupLanguage(code)
        for name, text in texts.items():
            if name != "instructions" or not isinstance(text, str):
                raise InvalidGroupSettings(
                    "translations", gettext("A group keeps only its instructions per language.")
                )
            text = text.replace("\r\n", "\n").strip()
            if len(text) > MAX_INSTRUCTIONS_LENGTH:
                raise InvalidGroupSettings(
                    "translations",
                    gettext("Keep it to %(limit)s characters.")
                    % {"limit": MAX_INSTRUCTIONS_LENGTH},
                )
            checked.setdefault(code, {})[name] = text
    return checked


def _save_group(group: PortalGroup) -> PortalGroup:
    _check_group_settings(group)
    check_group_name(group.event, group.name, exclude=group)
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:
        # Another group took the name between the check and the write.
        check_group_name(group.event, group.name, exclude=group)
        raise
    return group


def create_group(event: Event, *, settings: GroupSettings) -> PortalGroup:
    """Raises DuplicateGroupName."""
    group = PortalGroup(
        organization=event.organization,
        event=event,
        name=settings.name.strip(),
        kind=settings.kind,
        default_allocation=settings.default_allocation,
        default_plus_ones=settings.default_plus_ones,
        instructions=settings.instructions,
        translations=with_versions({}, checked_group_versions(settings.translations)),
        share_all_invites=settings.share_all_invites,
    )
    with transaction.atomic():
        _save_group(group)
        add_default_type(group)
    return group


def add_default_type(group: PortalGroup) -> InviteType:
    """A new group's one invite type, with the group's defaults."""
    return InviteType.objects.create(
        organization_id=group.organization_id,
        group=group,
        name=DEFAULT_TYPE_NAME,
        code=DEFAULT_TYPE_CODE,
        default_allocation=group.default_allocation,
        plus_ones_allowed=group.default_plus_ones,
    )


def update_group(
    group: PortalGroup,
    *,
    name: str | None = None,
    kind: str | None = None,
    default_allocation: int | None = None,
    default_plus_ones: int | None = None,
    instructions: str | None = None,
    share_all_invites: bool | None = None,
    translations: Mapping[str, Mapping[str, str]] | None = None,
) -> PortalGroup:
    """Change the given settings (None leaves a setting as it is) in one transaction;
    existing portals keep their own allocation. `translations` are versions per
    language written over the stored ones (an empty text removes one).
    Raises DuplicateGroupName or InvalidGroupSettings."""
    changes = {
        "name": name.strip() if name is not None else None,
        "kind": kind,
        "default_allocation": default_allocation,
        "default_plus_ones": default_plus_ones,
        "instructions": instructions,
        "share_all_invites": share_all_invites,
    }
    versions = checked_group_versions(translations) if translations is not None else None
    if all(value is None for value in changes.values()) and versions is None:
        return group
    with locking_transaction():
        # Lock and re-read: two changes of different settings at once both
        # land, and neither writes back the other's stale value.
        locked = _lock_group(group)
        for name_, value in changes.items():
            if value is not None:
                setattr(locked, name_, value)
        if versions is not None:
            locked.translations = with_versions(locked.translations, versions)
        _save_group(locked)
        types = live_types(locked)
        if len(types) == 1:
            # A group of one type: its defaults are the group's.
            InviteType.objects.filter(pk=types[0].pk).update(
                default_allocation=locked.default_allocation,
                plus_ones_allowed=locked.default_plus_ones,
            )
        return locked


def _lock_group(group: PortalGroup) -> PortalGroup:
    return lock_existing_row(PortalGroup.objects.filter(pk=group.pk))


def _lock_portal(portal: Portal) -> Portal:
    # Only the portal's own row: the group comes along unlocked. Locking it
    # here too (a plain FOR UPDATE over the join) took portal before group,
    # against the lock order, and deadlocked with update_portal.
    return lock_existing_row(
        Portal.objects.select_related("group", "organization").filter(pk=portal.pk)
    )


def taken_names(group: PortalGroup, *, exclude: Portal | None = None) -> set[str]:
    """The group's portal names, case-folded, for duplicate checks."""
    portals = Portal.objects.filter(group=group)
    if exclude is not None:
        portals = portals.exclude(pk=exclude.pk)
    return {name.casefold() for name in portals.values_list("name", flat=True)}


def create_portal(
    group: PortalGroup, *, name: str, allocation: int | None = None, contact_email: str = ""
) -> Portal:
    """Create one portal; no allocation means the group's default. Uses no credit."""
    rows = [PortalRow(name=name, allocation=allocation, contact_email=contact_email)]
    return import_portals(group, rows)[0]


def import_portals(group: PortalGroup, rows: Sequence[PortalRow]) -> list[Portal]:
    """Create every row's portal, or none. Uses no credit."""
    if not rows:
        raise ValueError("Nothing to import.")
    if len(rows) > MAX_PORTALS_PER_IMPORT:
        raise ValueError(f"At most {MAX_PORTALS_PER_IMPORT} portals per import.")
    for row in rows:
        if (
            not row.name.strip()
            or (row.allocation is not None and row.allocation < 0)
            or any(size < 0 for size in row.allocations.values())
        ):
            raise ValueError(f"Invalid portal row: {row!r}")
    with locking_transaction():
        locked = _lock_group(group)
        # Checked under the group lock: a concurrent import of the same file
        # waits here and then sees these names.
        taken = taken_names(locked)
        duplicates: list[str] = []
        for row in rows:
            key = row.name.strip().casefold()
            if key in taken:
                duplicates.append(row.name.strip())
            taken.add(key)
        if duplicates:
            raise DuplicatePortalName(duplicates)
        types = live_types(locked)
        sizes = [_sizes(row, types) for row in rows]
        portals = [
            Portal(
                organization_id=locked.organization_id,
                group=locked,
                name=row.name.strip(),
                allocation=sum(portal_sizes.values()),
                contact_email=row.contact_email.strip(),
            )
            for row, portal_sizes in zip(rows, sizes, strict=True)
        ]
        try:
            with transaction.atomic():
                created = Portal.objects.bulk_create(portals)
        except IntegrityError:
            # The unique index folds case a little differently from casefold().
            raise DuplicatePortalName([row.name.strip() for row in rows]) from None
        new_portal_allocations(created, sizes)
        return created


def _sizes(row: PortalRow, types: Sequence[InviteType]) -> dict[int, int]:
    """A new portal's allocation per type id: the row's, else each type's default."""
    unknown = set(row.allocations) - {invite_type.code for invite_type in types}
    if unknown:
        raise ValueError(f"Unknown invite types: {sorted(unknown)}")
    sizes: dict[int, int] = {}
    for position, invite_type in enumerate(types):
        size = row.allocations.get(invite_type.code)
        if size is None and position == 0:
            size = row.allocation
        sizes[invite_type.pk] = invite_type.default_allocation if size is None else size
    return sizes


def update_portal(
    portal: Portal,
    *,
    name: str | None = None,
    allocation: int | None = None,
    allocations: Mapping[int, int] | None = None,
    contact_email: str | None = None,
    owner_email: str | None = None,
    revoke: bool = False,
    actor: Any = None,
) -> Portal:
    """Change any of the portal's fields, all or none, in one transaction; None
    leaves a field as it is, "" removes the contact email.

    `allocations` maps invite type ids of the portal's group to sizes;
    `allocation` is the size of the group's first type. An allocation never
    drops below what its type has used; a new owner email needs an
    assigned portal (it uses no credit: the claim used it); revoking closes
    the portal for good. Raises PortalRevoked, PortalNotAssigned,
    AllocationBelowUsed or DuplicatePortalName, having changed nothing.
    """
    if allocation is not None and allocation < 0:
        raise ValueError("An allocation is 0 or more.")
    if not revoke and all(
        value is None for value in (name, allocation, allocations, contact_email, owner_email)
    ):
        return portal
    with locking_transaction():
        if name is not None:
            # Group first (the order above): portal names are unique in the group.
            _lock_group(portal.group)
        locked = _lock_portal(portal)
        # Every check re-reads under the portal lock: a revocation, a claim or
        # the owner's invite generation (which raises invites_used under the
        # same lock) may have committed since the page or request was read.
        ensure_not_revoked(locked)
        fields = ["updated_at"]
        replaced_owner = ""
        replaced_language = ""
        if owner_email is not None:
            ensure_live(locked)
            if locked.owner_email.strip().lower() != owner_email.strip().lower():
                replaced_owner = locked.owner_email
                # The language was the previous owner's choice: the new one
                # reads the event's until they choose.
                replaced_language = locked.owner_reads
                locked.owner_language = ""
                fields.append("owner_language")
            locked.owner_email = owner_email.strip()
            fields.append("owner_email")
        sizes = dict(allocations or {})
        if allocation is not None:
            types = live_types(locked.group)
            if types:
                sizes.setdefault(types[0].pk, allocation)
        if sizes:
            known = set(
                InviteType.objects.filter(group_id=locked.group_id).values_list("pk", flat=True)
            )
            if set(sizes) - known:
                raise ValueError("An allocation names an invite type of another group.")
            for type_id, size in sizes.items():
                change_allocation(locked, type_id, size)
        if name is not None:
            name = name.strip()
            if name.casefold() in taken_names(locked.group, exclude=locked):
                raise DuplicatePortalName([name])
            locked.name = name
            fields.append("name")
        if contact_email is not None:
            locked.contact_email = contact_email.strip()
            fields.append("contact_email")
        if revoke:
            locked.status = Portal.Status.REVOKED
            locked.revoked_at = timezone.now()
            fields += ["status", "revoked_at"]
        try:
            with transaction.atomic():
                locked.save(update_fields=fields)
        except IntegrityError:
            if (
                name is not None
                and Portal.objects.filter(group=locked.group, name__iexact=name)
                .exclude(pk=locked.pk)
                .exists()
            ):
                raise DuplicatePortalName([name]) from None
            raise
        if replaced_owner:
            _tell_owner_change(
                locked, replaced=replaced_owner, replaced_language=replaced_language, actor=actor
            )
    actor_id = getattr(actor, "pk", None)
    if owner_email is not None:
        logger.info("Portal %s owner email changed by user %s", locked.public_id, actor_id)
    if revoke:
        logger.info("Portal %s revoked by user %s", locked.public_id, actor_id)
    return locked


def _tell_owner_change(
    portal: Portal, *, replaced: str, replaced_language: str, actor: Any
) -> None:
    """The new owner gets the link (it signs them in), the old one a notice
    without it. Queued in the change's transaction: a rollback sends neither,
    and each is re-checked at send time (changed again meanwhile: skipped)."""
    reply_to = getattr(actor, "email", None) or None
    queue_email(
        PORTAL_LINK,
        to=portal.owner_email,
        context={"portal_id": portal.pk, "reason": LINK_HANDED_OVER},
        organization=portal.organization,
        about=portal,
        reply_to=reply_to,
        language=portal.owner_reads,
    )
    # In the language the replaced owner worked in (the portal no longer holds it).
    queue_email(
        PORTAL_OWNER_REPLACED,
        to=replaced,
        context={"portal_id": portal.pk},
        organization=portal.organization,
        about=portal,
        reply_to=reply_to,
        language=replaced_language,
    )


def set_owner_language(portal: Portal, code: str) -> str:
    """The owner switched language on their pages: their pages and the emails
    to them use it from now on. An unknown code changes nothing; returns the
    language now in force for them."""
    chosen = recognized(code)
    if chosen:
        # One column, whatever else changes meanwhile: no lock needed.
        Portal.objects.filter(pk=portal.pk).update(owner_language=chosen, updated_at=timezone.now())
        portal.owner_language = chosen
    return chosen or portal.owner_reads


def change_owner_email(portal: Portal, *, email: str, actor: Any) -> Portal:
    """Hand an assigned portal to another owner. The portal credit was used at the
    claim and stays used: this is not a new assignment."""
    return update_portal(portal, owner_email=email, actor=actor)


def revoke_portal(portal: Portal, *, actor: Any) -> Portal:
    """Close the portal for good. Used credits are not refunded; invites already
    generated stay valid for their guests."""
    return update_portal(portal, revoke=True, actor=actor)


def set_sender_name(portal: Portal, *, sender_name: str) -> Portal:
    """The name the portal's invite emails come from ("<it> via <organizer>");
    blank: the portal's name. One line, at most MAX_SENDER_NAME characters
    (artsvp.emails cleans and caps the whole From name again when it sends).
    Raises PortalRevoked. Emails already queued use the new name: the From
    line is built when the worker sends (invites/emails.py)."""
    cleaned = one_line(sender_name)[:MAX_SENDER_NAME].strip()
    with locking_transaction():
        locked = _lock_portal(portal)
        ensure_not_revoked(locked)
        Portal.objects.filter(pk=locked.pk).update(sender_name=cleaned, updated_at=timezone.now())
    portal.sender_name = cleaned
    return portal


def send_portal_link(portal: Portal, *, actor: Any) -> Delivery:
    """Queue the email of the portal's secret link to `Portal.link_recipient`
    (the owner once claimed, the contact before); a worker sends it after
    commit, and a reply reaches the organizer who sent it."""
    with locking_transaction():
        # Locked like revoke_portal: a revocation at the same moment comes
        # first and nothing is queued, or comes after and the worker skips it.
        locked = _lock_portal(portal)
        ensure_not_revoked(locked)
        if not locked.link_recipient:
            raise NoContactEmail()
        return queue_email(
            PORTAL_LINK,
            to=locked.link_recipient,
            context={"portal_id": locked.pk},
            organization=locked.organization,
            # Found again by portals/bulk_links.py (a bulk send skips it if recent).
            about=locked,
            reply_to=getattr(actor, "email", None) or None,
            language=locked.owner_reads,
        )
