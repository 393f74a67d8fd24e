"""Portal groups and portals in the API, through the organizer's services
(portals/services.py): creating a portal is free, a portal credit is used
only when its owner claims the link."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Body, Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import AfterValidator, Discriminator, StrictBool, Tag, WithJsonSchema

from artsvp.api_support import (
    ApiError,
    Email,
    InputSchema,
    PageQuery,
    PublicId,
    api_enum,
    errors,
    paginate,
    site_url,
    text,
)
from events.access import access_event_by_public_id
from organizations.api_auth import ApiRequest, actor_of
from portals import services
from portals.access import access_group, access_portal
from portals.models import Portal, PortalGroup
from portals.services import MAX_ALLOCATION, MAX_PLUS_ONES
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
    share_all_invites: bool
    created_at: datetime


class GroupPage(Schema):
    items: list[GroupOut]
    next_cursor: str | None


class GroupIn(InputSchema):
    name: str = text(120, default=..., blank=False)
    kind: GroupKind = GroupKind("exhibitor")  # type: ignore[valid-type]  # api_enum builds this enum at run time (its own OpenAPI name)
    default_allocation: int = Field(10, ge=0, le=MAX_ALLOCATION, strict=True)
    default_plus_ones: int = Field(0, ge=0, le=MAX_PLUS_ONES, strict=True)
    instructions: str = text(5000, description="Shown to portal owners in their portal.")
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
    instructions: str | None = text(5000, default=None)
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
    )
    return group_out(group, event_id=event_id)


# --- Portals -----------------------------------------------------------------------------


class PortalOut(Schema):
    id: str
    name: str
    url: str = Field(..., description="The portal's secret link: whoever has it can claim it.")
    status: PortalStatus  # type: ignore[valid-type]  # api_enum builds this enum at run time (its own OpenAPI name)
    owner_email: str
    allocation: int
    invites_used: int
    invites_remaining: int
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
        description="Omitted: the group's default allocation.",
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
    allocation: int | None = Field(None, ge=0, le=MAX_ALLOCATION, strict=True)
    contact_email: Email | Literal[""] | None = Field(None, description='"" removes it.')
    owner_email: Email | None = Field(
        None, description="Hand an assigned portal to another owner (uses no credit)."
    )
    # Only true: a revoked portal is never restored, and the schema says so.
    revoked: OnlyTrue | None = Field(
        None,
        description="true revokes the portal for good; used credits are not refunded.",
    )


def portal_out(portal: Portal, *, group: PortalGroup) -> PortalOut:
    return PortalOut(
        id=portal.public_id,
        name=portal.name,
        url=site_url(portal.path),
        status=PortalStatus(portal.status),
        owner_email=portal.owner_email,
        allocation=portal.allocation,
        invites_used=portal.invites_used,
        invites_remaining=portal.remaining,
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
    items, next_cursor = paginate(Portal.objects.filter(group=group), page)
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
    if not 1 <= len(rows) <= services.MAX_PORTALS_PER_IMPORT:
        raise ApiError(
            422,
            "invalid",
            "Some fields are invalid: see details.fields.",
            {"fields": {"body": [f"Send 1 to {services.MAX_PORTALS_PER_IMPORT} portals."]}},
        )
    portals = services.import_portals(
        group,
        [
            services.PortalRow(
                name=row.name.strip(),
                allocation=row.allocation,
                contact_email=row.contact_email or "",
            )
            for row in rows
        ],
    )
    created = [portal_out(portal, group=group) for portal in portals]
    return Status(201, created if isinstance(payload, list) else created[0])


@router.get(
    "/portals/{portal_id}", response={200: PortalOut, **errors(404)}, summary="Read a portal"
)
def get_portal(request: ApiRequest, portal_id: PublicId) -> PortalOut:
    portal = access_portal(request.organization, portal_id)
    return portal_out(portal, group=portal.group)


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
    # One service call, one transaction: every field is checked under the
    # portal's lock before any is written, so a refusal changes nothing.
    portal = services.update_portal(
        portal,
        name=payload.name,
        allocation=payload.allocation,
        contact_email=payload.contact_email,
        owner_email=payload.owner_email,
        revoke=bool(payload.revoked),
        actor=actor_of(request),
    )
    return portal_out(portal, group=group)
