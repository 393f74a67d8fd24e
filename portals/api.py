"""Portal groups and portals in the API, through the organizer's services
(portals/services.py): creating a portal is free, a portal credit is used
only when its owner claims the link."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.db.models import Prefetch, QuerySet
from ninja import Body, Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import AfterValidator, Discriminator, StrictBool, Tag, WithJsonSchema

from artsvp.api_support import (
    Email,
    InputSchema,
    Language,
    PageQuery,
    PublicId,
    api_enum,
    errors,
    field_error,
    paginate,
    site_url,
    text,
)
from artsvp.ids import PUBLIC_ID_PATTERN
from events.access import access_event_by_public_id
from events.models import EntryWindow
from organizations.api_auth import ApiRequest, actor_of
from portals import invite_types, services
from portals.access import access_group, access_invite_type, access_portal
from portals.models import MAX_INVITE_TYPES, InviteType, Portal, PortalAllocation, PortalGroup
from portals.services import MAX_ALLOCATION, MAX_INSTRUCTIONS_LENGTH, MAX_PLUS_ONES
from portals.services import MAX_PORTAL_NAME_LENGTH as MAX_NAME_LENGTH

router = Router()

GroupKind = api_enum("GroupKind", PortalGroup.Kind)
PortalStatus = api_enum("PortalStatus", Portal.Status)


# --- Portal groups ---------------------------------------------------------------------


class GroupOut(Schema):
    id: str
    event_id: str
    name: str
    kind: GroupKind  # type: ignore[valid-type]  # api_enum builds this enum at run time (its own OpenAPI name)
    default_allocation: int
    default_plus_ones: int
    instructions: str
    translations: dict[str, dict[str, str]] = Field(
        ...,
        description='The instructions in other languages: {"de": {"instructions": ...}}; '
        "a language without them reads `instructions`.",
    )
    share_all_invites: bool
    created_at: datetime


class GroupPage(Schema):
    items: list[GroupOut]
    next_cursor: str | None


class GroupTextsIn(InputSchema):
    """A group's texts in one language; "" removes that language's version."""

    instructions: str | None = text(MAX_INSTRUCTIONS_LENGTH, default=None)


GROUP_TRANSLATIONS_HELP = (
    "The instructions per language code, each written over the stored one "
    '("" removes it; languages left out keep theirs).'
)


def _group_versions(
    translations: dict[Language, GroupTextsIn] | None,
) -> dict[str, dict[str, str]]:
    return {
        str(code): texts.model_dump(exclude_none=True)
        for code, texts in (translations or {}).items()
    }


class GroupIn(InputSchema):
    name: str = text(120, default=..., blank=False)
    kind: GroupKind = GroupKind("exhibitor")  # type: ignore[valid-type]  # api_enum builds this enum at run time (its own OpenAPI name)
    default_allocation: int = Field(10, ge=0, le=MAX_ALLOCATION, strict=True)
    default_plus_ones: int = Field(0, ge=0, le=MAX_PLUS_ONES, strict=True)
    instructions: str = text(
        MAX_INSTRUCTIONS_LENGTH, description="Shown to portal owners in their portal."
    )
    translations: dict[Language, GroupTextsIn] = Field(
        default_factory=dict, max_length=10, description=GROUP_TRANSLATIONS_HELP
    )
    share_all_invites: bool = Field(
        False,
        strict=True,
        description="false: you see a portal's guests once they accept; true: every invite.",
    )


class GroupPatch(InputSchema):
    name: str | None = text(120, default=None, blank=False)
    kind: GroupKind | None = None  # type: ignore[valid-type]  # api_enum builds this enum at run time (its own OpenAPI name)
    default_allocation: int | None = Field(None, ge=0, le=MAX_ALLOCATION, strict=True)
    default_plus_ones: int | None = Field(None, ge=0, le=MAX_PLUS_ONES, strict=True)
    instructions: str | None = text(MAX_INSTRUCTIONS_LENGTH, default=None)
    translations: dict[Language, GroupTextsIn] | None = Field(
        None, max_length=10, description=GROUP_TRANSLATIONS_HELP
    )
    share_all_invites: bool | None = Field(None, strict=True)


def group_out(group: PortalGroup, *, event_id: str) -> GroupOut:
    return GroupOut(
        id=group.public_id,
        event_id=event_id,
        name=group.name,
        kind=GroupKind(group.kind),
        default_allocation=group.default_allocation,
        default_plus_ones=group.default_plus_ones,
        instructions=group.instructions,
        translations=group.translations,
        share_all_invites=group.share_all_invites,
        created_at=group.created_at,
    )


@router.get(
    "/events/{event_id}/portal-groups",
    response={200: GroupPage, **errors(404, 422)},
    summary="List an event's portal groups",
)
def list_groups(request: ApiRequest, event_id: PublicId, page: Query[PageQuery]) -> GroupPage:
    event = access_event_by_public_id(request.organization, event_id)
    items, next_cursor = paginate(PortalGroup.objects.filter(event=event), page)
    return GroupPage(
        items=[group_out(group, event_id=event.public_id) for group in items],
        next_cursor=next_cursor,
    )


@router.post(
    "/events/{event_id}/portal-groups",
    response={201: GroupOut, **errors(400, 404, 409, 422)},
    summary="Create a portal group",
    description="409 `duplicate_group_name` when the event has a group of that name (any case).",
)
def create_group(request: ApiRequest, event_id: PublicId, payload: GroupIn) -> Status:
    event = access_event_by_public_id(request.organization, event_id)
    settings = services.GroupSettings(
        name=payload.name.strip(),
        kind=str(payload.kind),
        default_allocation=payload.default_allocation,
        default_plus_ones=payload.default_plus_ones,
        instructions=payload.instructions.strip(),
        share_all_invites=payload.share_all_invites,
        translations=_group_versions(payload.translations),
    )
    group = services.create_group(event, settings=settings)
    return Status(201, group_out(group, event_id=event.public_id))


@router.get(
    "/portal-groups/{group_id}",
    response={200: GroupOut, **errors(404)},
    summary="Read a portal group",
)
def get_group(request: ApiRequest, group_id: PublicId) -> GroupOut:
    group = access_group(request.organization, group_id)
    return group_out(group, event_id=group.event.public_id)


@router.patch(
    "/portal-groups/{group_id}",
    response={200: GroupOut, **errors(400, 404, 409, 422)},
    summary="Change a portal group (its portals keep their own allocations)",
    description="409 `duplicate_group_name` when another group of the event has that name.",
)
def patch_group(request: ApiRequest, group_id: PublicId, payload: GroupPatch) -> GroupOut:
    group = access_group(request.organization, group_id)
    event_id = group.event.public_id
    group = services.update_group(
        group,
        name=payload.name,
        kind=payload.kind.value if payload.kind is not None else None,
        default_allocation=payload.default_allocation,
        default_plus_ones=payload.default_plus_ones,
        instructions=payload.instructions.strip() if payload.instructions is not None else None,
        share_all_invites=payload.share_all_invites,
        translations=(
            _group_versions(payload.translations) if payload.translations is not None else None
        ),
    )
    return group_out(group, event_id=event_id)


# --- Portals -----------------------------------------------------------------------------


class AllocationOut(Schema):
    invite_type: str = Field(..., description="The invite type's code.")
    size: int
    used: int


class AllocationIn(InputSchema):
    invite_type: str = Field(
        ...,
        min_length=1,
        max_length=invite_types.MAX_TYPE_CODE_LENGTH,
        description="An invite type's code.",
    )
    size: int = Field(..., ge=0, le=MAX_ALLOCATION, strict=True)


Allocations = Annotated[list[AllocationIn], Field(max_length=MAX_INVITE_TYPES)]


class PortalOut(Schema):
    id: str
    name: str
    url: str = Field(..., description="The portal's secret link: whoever has it can claim it.")
    status: PortalStatus  # type: ignore[valid-type]  # api_enum builds this enum at run time (its own OpenAPI name)
    owner_email: str
    allocation: int = Field(..., description="The sum of `allocations`.")
    invites_used: int
    invites_remaining: int
    allocations: list[AllocationOut] = Field(
        ..., description="Per invite type: its size and the places used."
    )
    group_id: str
    event_id: str
    contact_email: str
    assigned_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class PortalPage(Schema):
    items: list[PortalOut]
    next_cursor: str | None


class PortalIn(InputSchema):
    name: str = text(MAX_NAME_LENGTH, default=..., blank=False)
    allocation: int | None = Field(
        None,
        ge=0,
        le=MAX_ALLOCATION,
        strict=True,
        description="The group's first invite type's; omitted: its default.",
    )
    allocations: Allocations | None = Field(
        None, description="Per invite type (by code); a type left out gets its default."
    )
    contact_email: Email | None = Field(None, description="Where the portal link can be sent.")


def _one_or_many(value: Any) -> str:
    return "portals" if isinstance(value, list) else "portal"


# Discriminated, so that a list's errors are not mixed with a single object's.
OneOrMorePortals = Annotated[
    Annotated[PortalIn, Tag("portal")]
    | Annotated[
        list[PortalIn],
        Field(min_length=1, max_length=services.MAX_PORTALS_PER_IMPORT),
        Tag("portals"),
    ],
    Discriminator(_one_or_many),
]


def _only_true(value: bool) -> bool:
    if value is False:
        raise ValueError("A revoked portal cannot be restored.")
    return value


OnlyTrue = Annotated[
    StrictBool, AfterValidator(_only_true), WithJsonSchema({"type": "boolean", "enum": [True]})
]


class PortalPatch(InputSchema):
    name: str | None = text(MAX_NAME_LENGTH, default=None, blank=False)
    allocation: int | None = Field(
        None, ge=0, le=MAX_ALLOCATION, strict=True, description="The group's first type's."
    )
    allocations: Allocations | None = Field(
        None, description="Per invite type (by code); a type left out keeps its size."
    )
    contact_email: Email | Literal[""] | None = Field(None, description='"" removes it.')
    owner_email: Email | None = Field(
        None, description="Hand an assigned portal to another owner (uses no credit)."
    )
    # Only true: a revoked portal is never restored, and the schema says so.
    revoked: OnlyTrue | None = Field(
        None,
        description="true revokes the portal for good; used credits are not refunded.",
    )


def _with_allocations(portals: QuerySet[Portal]) -> QuerySet[Portal]:
    return portals.prefetch_related(
        Prefetch("allocations", queryset=PortalAllocation.objects.select_related("invite_type"))
    )


def _reloaded(portal: Portal) -> Portal:
    return _with_allocations(Portal.objects.filter(pk=portal.pk)).get()


def _by_code(rows: list[AllocationIn], codes: set[str], *, field: str) -> dict[str, int]:
    """{code: size}; a code the group has no live type of, or one given twice, is a 422."""
    sizes: dict[str, int] = {}
    for row in rows:
        code = row.invite_type.strip().lower()
        if code not in codes:
            known = ", ".join(sorted(codes))
            raise field_error(field, f"No invite type “{code}” in this group (it has: {known}).")
        if code in sizes:
            raise field_error(field, f"“{code}” is given twice.")
        sizes[code] = row.size
    return sizes


def portal_out(portal: Portal, *, group: PortalGroup) -> PortalOut:
    """The portal as the API shows it; load its allocations with _with_allocations."""
    return PortalOut(
        id=portal.public_id,
        name=portal.name,
        url=site_url(portal.path),
        status=PortalStatus(portal.status),
        owner_email=portal.owner_email,
        allocation=portal.allocation,
        invites_used=portal.invites_used,
        invites_remaining=portal.remaining,
        allocations=[
            AllocationOut(invite_type=row.invite_type.code, size=row.size, used=row.used)
            for row in portal.allocations.all()
        ],
        group_id=group.public_id,
        event_id=group.event.public_id,
        contact_email=portal.contact_email,
        assigned_at=portal.assigned_at,
        revoked_at=portal.revoked_at,
        created_at=portal.created_at,
    )


@router.get(
    "/portal-groups/{group_id}/portals",
    response={200: PortalPage, **errors(404, 422)},
    summary="List a group's portals",
)
def list_portals(request: ApiRequest, group_id: PublicId, page: Query[PageQuery]) -> PortalPage:
    group = access_group(request.organization, group_id)
    items, next_cursor = paginate(_with_allocations(Portal.objects.filter(group=group)), page)
    return PortalPage(
        items=[portal_out(portal, group=group) for portal in items], next_cursor=next_cursor
    )


@router.post(
    "/portal-groups/{group_id}/portals",
    response={201: PortalOut | list[PortalOut], **errors(400, 404, 409, 422)},
    summary="Create one portal, or several at once (all or none)",
    description=(
        "Send one portal object to create one, or a list (up to "
        f"{services.MAX_PORTALS_PER_IMPORT}) to create them all in one go. Creating a portal "
        "uses no credit. 409 `duplicate_portal_name` when a name is already used in the group."
    ),
)
def create_portals(
    request: ApiRequest,
    group_id: PublicId,
    payload: Annotated[OneOrMorePortals, Body()],
) -> Status:
    group = access_group(request.organization, group_id)
    rows = payload if isinstance(payload, list) else [payload]
    codes = {invite_type.code for invite_type in services.live_types(group)}
    sizes = [
        _by_code(
            row.allocations or [],
            codes,
            field=f"{n}.allocations" if isinstance(payload, list) else "allocations",
        )
        for n, row in enumerate(rows)
    ]
    if not 1 <= len(rows) <= services.MAX_PORTALS_PER_IMPORT:
        raise field_error("body", f"Send 1 to {services.MAX_PORTALS_PER_IMPORT} portals.")
    portals = services.import_portals(
        group,
        [
            services.PortalRow(
                name=row.name.strip(),
                allocation=row.allocation,
                allocations=row_sizes,
                contact_email=row.contact_email or "",
            )
            for row, row_sizes in zip(rows, sizes, strict=True)
        ],
    )
    fresh = _with_allocations(Portal.objects.filter(pk__in=[portal.pk for portal in portals]))
    by_id = {portal.pk: portal for portal in fresh}
    created = [portal_out(by_id[portal.pk], group=group) for portal in portals]
    return Status(201, created if isinstance(payload, list) else created[0])


@router.get(
    "/portals/{portal_id}", response={200: PortalOut, **errors(404)}, summary="Read a portal"
)
def get_portal(request: ApiRequest, portal_id: PublicId) -> PortalOut:
    portal = access_portal(request.organization, portal_id)
    return portal_out(
        _with_allocations(Portal.objects.filter(pk=portal.pk)).get(), group=portal.group
    )


@router.patch(
    "/portals/{portal_id}",
    response={200: PortalOut, **errors(400, 404, 409, 422)},
    summary="Change a portal: name, allocation, contact email, owner email, or revoke it",
    description=(
        "The allocation cannot go below the invites already generated (409 "
        "`allocation_below_used`). `owner_email` needs an assigned portal (409 "
        "`portal_not_assigned`). A revoked portal cannot be changed (409 `portal_revoked`)."
    ),
)
def patch_portal(request: ApiRequest, portal_id: PublicId, payload: PortalPatch) -> PortalOut:
    portal = access_portal(request.organization, portal_id)
    group = portal.group
    types = {invite_type.code: invite_type.pk for invite_type in services.live_types(group)}
    sizes = _by_code(payload.allocations or [], set(types), field="allocations")
    # One service call, one transaction: every field is checked under the
    # portal's lock before any is written, so a refusal changes nothing.
    portal = services.update_portal(
        portal,
        name=payload.name,
        allocation=payload.allocation,
        allocations={types[code]: size for code, size in sizes.items()} if sizes else None,
        contact_email=payload.contact_email,
        owner_email=payload.owner_email,
        revoke=bool(payload.revoked),
        actor=actor_of(request),
    )
    return portal_out(_reloaded(portal), group=group)


# --- Invite types ------------------------------------------------------------------------

CodeField = Annotated[
    str,
    Field(
        min_length=1,
        max_length=invite_types.MAX_TYPE_CODE_LENGTH,
        pattern=invite_types.CODE_PATTERN,
    ),
]
# Ids of objects in a body: the format is the schema's, the lookup answers 422 for others.
ObjectId = Annotated[str, Field(pattern=f"^{PUBLIC_ID_PATTERN.pattern}$")]
WindowIds = Annotated[list[ObjectId], Field(max_length=100)]


class InviteTypeOut(Schema):
    id: str
    group_id: str
    name: str
    code: str = Field(..., description="Unique in the group: the `invite_type` of invites.")
    default_allocation: int = Field(..., description="What a new portal of the group gets.")
    plus_ones_allowed: int
    golden: bool = Field(..., description="Its invites skip the event's and windows' capacity.")
    needs_approval: bool = Field(..., description="Its answers wait for the organizer.")
    windows: list[str] = Field(..., description="The entry windows (ids) it admits.")
    position: int
    archived: bool
    allocated: int = Field(..., description="Its allocation summed over the group's portals.")
    used: int = Field(..., description="The places its invites take, over the group's portals.")
    created_at: datetime


class InviteTypePage(Schema):
    items: list[InviteTypeOut]
    next_cursor: str | None


class InviteTypeIn(InputSchema):
    name: str = text(invite_types.MAX_TYPE_NAME_LENGTH, default=..., blank=False)
    code: CodeField
    default_allocation: int = Field(10, ge=0, le=MAX_ALLOCATION, strict=True)
    plus_ones_allowed: int = Field(0, ge=0, le=MAX_PLUS_ONES, strict=True)
    golden: bool = Field(False, strict=True)
    needs_approval: bool = Field(False, strict=True)
    windows: WindowIds = Field(
        default_factory=list, description="Entry window ids of the group's event."
    )


class InviteTypePatch(InputSchema):
    name: str | None = text(invite_types.MAX_TYPE_NAME_LENGTH, default=None, blank=False)
    code: CodeField | None = None
    default_allocation: int | None = Field(None, ge=0, le=MAX_ALLOCATION, strict=True)
    plus_ones_allowed: int | None = Field(None, ge=0, le=MAX_PLUS_ONES, strict=True)
    golden: bool | None = Field(None, strict=True)
    needs_approval: bool | None = Field(None, strict=True)
    windows: WindowIds | None = None
    position: int | None = Field(None, ge=0, le=1000, strict=True)


def _type_out(invite_type: InviteType) -> InviteTypeOut:
    """Load it with invite_types.types_with_usage (its sums and windows)."""
    return InviteTypeOut(
        id=invite_type.public_id,
        group_id=invite_type.group.public_id,
        name=invite_type.name,
        code=invite_type.code,
        default_allocation=invite_type.default_allocation,
        plus_ones_allowed=invite_type.plus_ones_allowed,
        golden=invite_type.golden,
        needs_approval=invite_type.needs_approval,
        windows=[window.public_id for window in invite_type.windows.all()],
        position=invite_type.position,
        archived=invite_type.is_archived,
        allocated=getattr(invite_type, "allocated", 0),
        used=getattr(invite_type, "used", 0),
        created_at=invite_type.created_at,
    )


def _with_usage(invite_type: InviteType) -> InviteType:
    return (
        invite_types.types_with_usage(invite_type.group)
        .select_related("group")
        .get(pk=invite_type.pk)
    )


def _windows(group: PortalGroup, ids: list[str]) -> list[EntryWindow]:
    """The event's windows with these ids; an unknown id (another event's too) is a 422."""
    found = {w.public_id: w for w in EntryWindow.objects.filter(event_id=group.event_id)}
    unknown = [public_id for public_id in ids if public_id not in found]
    if unknown:
        raise field_error("windows", f"No entry window {', '.join(unknown)} in this event.")
    return [found[public_id] for public_id in dict.fromkeys(ids)]


@router.get(
    "/portal-groups/{group_id}/invite-types",
    response={200: InviteTypePage, **errors(404)},
    summary="List a group's invite types, archived ones included",
)
def list_invite_types(
    request: ApiRequest, group_id: PublicId, page: Query[PageQuery]
) -> InviteTypePage:
    group = access_group(request.organization, group_id)
    rows, next_cursor = paginate(invite_types.types_with_usage(group).select_related("group"), page)
    return InviteTypePage(
        items=[_type_out(invite_type) for invite_type in rows], next_cursor=next_cursor
    )


@router.post(
    "/portal-groups/{group_id}/invite-types",
    response={201: InviteTypeOut, **errors(404, 409)},
    summary="Add an invite type to a group (every portal gets its default allocation)",
    description=(
        f"A group has at most {MAX_INVITE_TYPES} live types (409 `too_many_invite_types`); "
        "codes are unique in the group, archived types included (409 "
        "`duplicate_invite_type_code`)."
    ),
)
def create_invite_type(request: ApiRequest, group_id: PublicId, payload: InviteTypeIn) -> Status:
    group = access_group(request.organization, group_id)
    settings = invite_types.TypeSettings(
        name=payload.name.strip(),
        code=payload.code,
        default_allocation=payload.default_allocation,
        plus_ones_allowed=payload.plus_ones_allowed,
        golden=payload.golden,
        needs_approval=payload.needs_approval,
        windows=_windows(group, payload.windows),
    )
    invite_type = invite_types.create_invite_type(group, settings=settings)
    return Status(201, _type_out(_with_usage(invite_type)))


@router.patch(
    "/invite-types/{type_id}",
    response={200: InviteTypeOut, **errors(404, 409)},
    summary="Change an invite type (invites already generated keep their flags)",
    description=(
        "409 `invite_type_archived` for an archived type, `duplicate_invite_type_code` "
        "for a code another type of the group has."
    ),
)
def patch_invite_type(request: ApiRequest, type_id: PublicId, payload: InviteTypePatch) -> Any:
    invite_type = access_invite_type(request.organization, type_id)
    windows = _windows(invite_type.group, payload.windows) if payload.windows is not None else None
    updated = invite_types.update_invite_type(
        invite_type,
        name=payload.name,
        code=payload.code,
        default_allocation=payload.default_allocation,
        plus_ones_allowed=payload.plus_ones_allowed,
        golden=payload.golden,
        needs_approval=payload.needs_approval,
        windows=windows,
        position=payload.position,
    )
    updated.group = invite_type.group
    return _type_out(_with_usage(updated))
