"""Invites in the API: generate (for a portal or the organizer), list, read,
send and revoke, through invites/services.py and invites/sending.py.

Generation is all or nothing and honours an `Idempotency-Key` header: the
service stores the key on the batch (unique per organization), so a retry,
even five at once, finds the first batch and uses no credit; the retry is
answered like the first request (201, the same invites, and the credit
balance right after the first request).

What the organizer's key sees follows the guest-list rule: the organizer's
own invites, a portal's invites once the guest accepted (or all of them when
the portal group shares all invites), and every invite made through the API,
since the organization itself generated those. Links too: a portal's links
belong to its owner, so `url` is null for the invites the owner generated
(`Invite.organizer_holds_link`, which the guest list page uses).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from operator import itemgetter
from typing import Annotated, Any, Literal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import AfterValidator, ConfigDict, StringConstraints

from artsvp.api_support import (
    Email,
    InputSchema,
    PageQuery,
    PublicId,
    When,
    api_enum,
    errors,
    field_error,
    paginate,
    site_url,
    text,
)
from artsvp.i18n import first_language
from credits.ledger import balances
from credits.models import CreditEntry
from deliveries.models import Delivery
from deliveries.services import DeliveryError
from events.access import access_event_by_public_id
from events.models import EntryWindow
from invites import answers, guests, services
from invites.access import access_invite, visible_invites
from invites.hooks import invite_api_values
from invites.models import Invite, InviteBatch, organizer_holds_link
from invites.sending import MAX_SENDS_PER_INVITE, queue_invite_emails
from organizations.api_auth import ApiRequest, actor_of
from portals.access import access_portal
from portals.models import InviteType

logger = logging.getLogger(__name__)
router = Router()

InviteStatus = api_enum("InviteStatus", Invite.Status)
Tag = Annotated[
    str, StringConstraints(min_length=1, max_length=guests.MAX_TAG_LENGTH, pattern=r"^[^\x00]*$")
]


def _check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    problem = guests.metadata_problem(value)
    if problem:
        raise ValueError(problem[0].upper() + problem[1:])
    return value


# The service's rule (invites/guests.py), checked here too so that the field is named.
Metadata = Annotated[dict[str, Any], AfterValidator(_check_metadata)]
# A type's code (SlugField) or, for the event's endpoint, its id.
TypeReference = Annotated[
    str, StringConstraints(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
]
IdempotencyKey = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=services.MAX_IDEMPOTENCY_KEY_LENGTH, pattern=r"^[\x21-\x7e]+$"
    ),
]


class GuestIn(InputSchema):
    # A name, an email address or a label (the service's rule), declared for clients.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["name"], "properties": {"name": {"pattern": r"\S"}}},
                {"required": ["email"], "properties": {"email": {"type": "string"}}},
                {"required": ["label"], "properties": {"label": {"pattern": r"\S"}}},
            ]
        }
    )

    name: str = text(guests.MAX_NAME_LENGTH)
    email: Email | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=guests.MAX_TAGS)
    metadata: Metadata = Field(
        default_factory=dict,
        description="Your own data, returned as given: a JSON object of at most "
        f"{guests.MAX_METADATA_BYTES:,} bytes (compact UTF-8), nested at most "
        f"{guests.MAX_METADATA_DEPTH} levels.",
    )
    plus_ones: int | None = Field(
        None,
        ge=0,
        le=guests.MAX_PLUS_ONES,
        strict=True,
        description="Extra guests allowed; omitted: the invite type's (0 for yours without one).",
    )
    label: str = text(
        guests.MAX_LABEL_LENGTH,
        description='Shown on the invite ("Galerie Nord team"); a label alone makes a blank link.',
    )
    uses: int = Field(
        1,
        ge=1,
        le=guests.MAX_USES,
        strict=True,
        description="How many people may answer the link (one answer each). Each use takes "
        "one place of the type's allocation; the link uses one invite credit.",
    )
    golden: bool | None = Field(
        None, strict=True, description="Skips capacity; omitted: the invite type's setting."
    )
    approval: bool | None = Field(
        None,
        strict=True,
        description="Answers wait as `pending` for your approval; omitted: the type's setting.",
    )
    invite_type: TypeReference | None = Field(
        None, description="This guest's invite type, instead of the batch's `invite_type`."
    )
    language: str = text(
        35,
        description='The guest\'s language (en, de, fr, it or es; "de-CH" reads as de) '
        "for their page and emails; empty or one we do not offer: the batch's `language`.",
    )


class GenerateIn(InputSchema):
    # At least one guest or one blank link (the service's rule), declared for clients.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["guests"], "properties": {"guests": {"minItems": 1}}},
                {"required": ["blank"], "properties": {"blank": {"minimum": 1}}},
            ]
        }
    )

    guests: list[GuestIn] = Field(default_factory=list, max_length=services.MAX_BATCH_SIZE)
    invite_type: TypeReference | None = Field(
        None,
        description="The invite type (its code) of the blank links and of every guest that "
        "names none; required when the portal's group has several types. For your own "
        "invites: a type of one of the event's groups, by id or by a code only one group has; "
        "omitted, they have no type.",
    )
    blank: int = Field(
        0,
        ge=0,
        le=services.MAX_BATCH_SIZE,
        strict=True,
        description="How many blank links to add: guests fill in their name when they answer.",
    )
    language: str = text(
        35,
        description='The invites\' language (en, de, fr, it or es; "de-CH" reads as de); '
        "empty or one we do not offer: the event's. Never an error: the invites' `language` "
        "says which one they got.",
    )
    send: bool = Field(
        False, strict=True, description="Email their invite to the guests who have an address."
    )
    subject: str = text(200, description="The email's subject when `send` is true.")
    message: str = text(5000, description="Your message in the email when `send` is true.")


class ResponseIn(InputSchema):
    status: Literal["accepted", "declined"] = Field(..., description="The guest's answer.")
    plus_ones: int = Field(
        0,
        ge=0,
        le=guests.MAX_PLUS_ONES,
        strict=True,
        description="Extra guests they bring (accepting), at most the invite's allowance.",
    )
    entry_window: str | None = Field(
        None,
        max_length=20,
        pattern=r"^[a-z0-9]{6,20}$",
        description="The id of the entry window they come in; required when several admit "
        "the guest; null: the only one there is, or none.",
    )
    name: str = text(guests.MAX_NAME_LENGTH, description="The guest's name (a blank link only).")
    email: Email | None = Field(None, description="The guest's email (a blank link only).")


class SendIn(InputSchema):
    subject: str = text(200)
    message: str = text(5000)


class InviteOut(Schema):
    id: str
    url: str | None = Field(
        ...,
        description="The guest's personal link; null for the invites a portal's owner "
        "generated: their links belong to the owner (those you generate keep theirs).",
    )
    event_id: str
    source: str = Field(..., description='"organizer", or the id of the portal that invited.')
    portal_id: str | None
    guest_name: str
    guest_email: str
    tags: list[str]
    metadata: dict[str, Any]
    plus_ones_allowed: int
    plus_ones: int
    status: InviteStatus  # type: ignore[valid-type]  # api_enum builds this enum at run time (its own OpenAPI name)
    label: str
    invite_type: str | None = Field(..., description="The invite type's code; null: none.")
    entry_window: str | None = Field(
        ..., description="The id of the entry window the guest chose; null: none (yet)."
    )
    uses: int = Field(..., description="How many people may answer the link.")
    uses_taken: int = Field(..., description="How many have.")
    golden: bool
    needs_approval: bool
    created_at: datetime
    updated_at: datetime
    check_in_code: str | None = Field(
        None,
        description="The code the guest shows at the door (their QR code holds it), once "
        "they accepted; null otherwise, and in the answer that generates invites.",
    )
    language: str = Field(
        ..., description="The language of the guest's page and emails (en, de, fr, it, es)."
    )


class GeneratedOut(Schema):
    batch_id: str
    invites: list[InviteOut]
    invite_credits_remaining: int = Field(
        ..., description="The organization's invite credits right after this batch."
    )
    emails_queued: int = Field(..., description="How many invites are being emailed (`send`).")


class InvitePage(Schema):
    items: list[InviteOut]
    next_cursor: str | None


class InviteFilters(PageQuery):
    status: InviteStatus | None = None  # type: ignore[valid-type]  # api_enum builds this enum at run time (its own OpenAPI name)
    updated_since: When | None = Field(None, description="Only invites changed at or after this.")


class EventInviteFilters(InviteFilters):
    source: str | None = Field(
        None,
        max_length=20,
        pattern=r"^[a-z0-9]+$",
        description='"organizer" for your own invites, or a portal id for that portal\'s.',
    )


# --- Representation -----------------------------------------------------------------------

# The invite's values, in the order `_invite_out` reads them (ORM paths:
# the type's code and the window's id come through their foreign keys).
_COLUMNS = (
    "public_id",
    "token",
    "guest_name",
    "guest_email",
    "tags",
    "metadata",
    "plus_ones_allowed",
    "plus_ones",
    "status",
    "label",
    "invite_type__code",
    "entry_window__public_id",
    "uses",
    "uses_taken",
    "golden",
    "needs_approval",
    "created_at",
    "updated_at",
    "language",
    "event__language",
)


# InviteOut's fields that the apps above fill (invites/hooks.py register_invite_api_field).
_HOOKED_FIELDS = ("check_in_code",)


def _invite_out(
    columns: tuple[Any, ...],
    *,
    event_id: str,
    portal_id: str | None,
    with_link: bool,
    hooked: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An invite as the API shows it, from its `_COLUMNS` values and the apps
    above's fields (`hooked`: invite_api_values)."""
    (
        public_id,
        token,
        name,
        email,
        tags,
        metadata,
        allowed,
        plus_ones,
        status,
        label,
        type_code,
        window_id,
        uses,
        uses_taken,
        golden,
        needs_approval,
        created,
        updated,
        language,
        event_language,
    ) = columns
    return {
        "id": public_id,
        "url": site_url(f"/i/{token}/") if with_link else None,
        "event_id": event_id,
        "source": portal_id or "organizer",
        "portal_id": portal_id,
        "guest_name": name,
        "guest_email": email,
        "tags": tags,
        "metadata": metadata,
        "plus_ones_allowed": allowed,
        "plus_ones": plus_ones,
        "status": status,
        "label": label,
        "invite_type": type_code,
        "entry_window": window_id,
        "uses": uses,
        "uses_taken": uses_taken,
        "golden": golden,
        "needs_approval": needs_approval,
        "created_at": created,
        "updated_at": updated,
        "language": first_language(language, event_language),
        **{name: (hooked or {}).get(name) for name in _HOOKED_FIELDS},
    }


def _value(invite: Invite, path: str) -> Any:
    """`path` of `_COLUMNS` read from a loaded invite (None past an empty foreign key)."""
    value: Any = invite
    for name in path.split("__"):
        if value is None:
            return None
        value = getattr(value, name)
    return value


def invite_out(invite: Invite, *, hooked: dict[str, Any] | None = None) -> dict[str, Any]:
    """For an invite loaded with select_related("event", "portal", "batch",
    "invite_type", "entry_window"); `hooked`: its invite_api_values (read when None)."""
    if hooked is None:
        hooked = invite_api_values([invite.pk]).get(invite.pk, {})
    return _invite_out(
        tuple(_value(invite, column) for column in _COLUMNS),
        event_id=invite.event.public_id,
        portal_id=invite.portal.public_id if invite.portal is not None else None,
        # A portal's links belong to its owner: the guest list's rule.
        with_link=invite.organizer_holds_link,
        hooked=hooked,
    )


# --- Generating --------------------------------------------------------------------------


def _guests(payload: GenerateIn) -> list[guests.GuestInput]:
    return [
        guests.GuestInput(
            name=guest.name.strip(),
            email=guest.email or "",
            tags=list(guest.tags),
            metadata=dict(guest.metadata),
            plus_ones=guest.plus_ones,
            label=guest.label.strip(),
            invite_type=guest.invite_type,
            uses=guest.uses,
            golden=guest.golden,
            needs_approval=guest.approval,
            language=guest.language.strip(),
        )
        for guest in payload.guests
    ]


def _request_hash(payload: GenerateIn) -> str:
    """The whole body, canonically: key order, spacing and omitted defaults do not count,
    but every value does (`send`, `subject` and `message` included)."""
    body = payload.model_dump(mode="json")
    # An empty language is left out, so a key from before languages still matches its body.
    for part in (body, *body["guests"]):
        if not part.get("language"):
            part.pop("language", None)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _generation_options(
    request: ApiRequest, payload: GenerateIn, idempotency_key: str | None
) -> dict[str, Any]:
    """What both generation services are told about an API request, besides its guests."""
    return {
        "blank": payload.blank,
        "method": InviteBatch.Method.API,
        "actor": actor_of(request),
        "idempotency_key": idempotency_key,
        "request_hash": _request_hash(payload) if idempotency_key else None,
        "language": payload.language.strip() or None,
    }


def _generated(
    request: ApiRequest,
    batch: InviteBatch,
    payload: GenerateIn,
    *,
    event_id: str,
    portal_id: str | None,
) -> HttpResponse:
    if payload.send and not getattr(batch, "replayed", False):
        with_email = list(Invite.objects.filter(batch=batch).exclude(guest_email=""))
        if with_email:
            try:
                queue_invite_emails(
                    with_email,
                    subject=payload.subject.strip(),
                    message=payload.message.strip(),
                    actor=actor_of(request),
                )
            except DeliveryError:
                # The invites exist and are paid for; the answer says none were emailed.
                logger.warning("Emails for API batch %s not queued", batch.public_id)
    remaining, queued, invites_json = _answer_values(batch, event_id=event_id, portal_id=portal_id)
    if remaining is None:
        remaining = balances(request.organization).invite
    head = json.dumps(
        {
            "batch_id": batch.public_id,
            "invite_credits_remaining": remaining,
            "emails_queued": queued,
        }
    )
    # The invites join the other fields inside the same object.
    return HttpResponse(
        f'{head[:-1]}, "invites": {invites_json}}}',
        status=201,
        content_type="application/json; charset=utf-8",
    )


# The same representation as `_invite_out`, built by PostgreSQL for a whole
# batch the API generated (so the organizer holds every link): no row
# objects, one round trip. For 10,000 invites this takes about a
# quarter of reading the rows into Python and encoding them there.
# The object's keys are InviteOut's fields, so the SQL cannot drift from the
# declared schema: a field is one of these computed values, or else the
# Invite column of the same name (a new schema field that is neither fails
# at import, on every database).
# The invite is `i`, its type `t` and its window `w` (left joins).
_COMPUTED_JSON_SQL = {
    "id": "i.public_id",
    "url": "CASE WHEN %(with_link)s THEN %(invite_url)s::text || i.token || '/' END",
    "event_id": "%(event_id)s::text",
    "source": "coalesce(%(portal_id)s::text, 'organizer')",
    "portal_id": "%(portal_id)s::text",
    "invite_type": f"t.{InviteType._meta.get_field('code').column}",
    "entry_window": f"w.{EntryWindow._meta.get_field('public_id').column}",
    # A batch just generated has no accepted guest (nor a replayed one, as it was then).
    "check_in_code": "NULL::text",
}
# Timestamps as ninja writes them: UTC, milliseconds, "Z".
_TIMESTAMP_JSON_SQL = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


def _json_value_sql(name: str, annotation: Any) -> str:
    if name in _COMPUTED_JSON_SQL:
        return _COMPUTED_JSON_SQL[name]
    field = Invite._meta.get_field(name)
    assert isinstance(field, models.Field), f"InviteOut.{name} is not an Invite column"
    column = f"i.{field.column}"
    return _TIMESTAMP_JSON_SQL.format(column) if annotation is datetime else column


# Only names from the model and the schema go into the text; values are parameters.
_BATCH_JSON_SQL = (
    "SELECT coalesce(json_agg(json_build_object("  # noqa: S608
    + ", ".join(
        f"'{name}', {_json_value_sql(name, info.annotation)}"
        for name, info in InviteOut.model_fields.items()
    )
    + f") ORDER BY i.id)::text, '[]') FROM {Invite._meta.db_table} i"
    f" LEFT JOIN {InviteType._meta.db_table} t"
    f" ON t.id = i.{Invite._meta.get_field('invite_type').column}"
    f" LEFT JOIN {EntryWindow._meta.db_table} w"
    f" ON w.id = i.{Invite._meta.get_field('entry_window').column}"
    " WHERE i.batch_id = %(batch_id)s"
)


# The answer's one statement (PostgreSQL): the balance the batch's ledger entry
# left, how many of its invites are being emailed, and _BATCH_JSON_SQL's array.
_entry, _delivery = CreditEntry._meta, Delivery._meta
# Only the models' own names go into the text; values are parameters.
_ANSWER_SQL = (
    f"SELECT (SELECT e.{_entry.get_field('balance_after').column}"  # noqa: S608
    f" FROM {_entry.db_table} e"
    f" WHERE e.{_entry.get_field('invite_batch').column} = %(batch_id)s LIMIT 1),"
    f" (SELECT count(*) FROM {_delivery.db_table} d JOIN {Invite._meta.db_table} q"
    f" ON q.id = d.{_delivery.get_field('object_id').column}"
    f" AND d.{_delivery.get_field('content_type').column} = %(invite_content_type)s"
    f" WHERE q.{Invite._meta.get_field('batch').column} = %(batch_id)s),"
    f" ({_BATCH_JSON_SQL})"
)


def _answer_values(
    batch: InviteBatch, *, event_id: str, portal_id: str | None
) -> tuple[int | None, int, str]:
    """What the answer to a generation says besides the batch's id: the balance its
    ledger entry left (None: no entry), how many of its invites are being emailed,
    and its invites as a JSON array in the order they were generated. One round
    trip on PostgreSQL (an answer follows every single-invite request)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _ANSWER_SQL,
                {
                    **_batch_json_params(batch, event_id=event_id, portal_id=portal_id),
                    # Cached by Django after the first request.
                    "invite_content_type": ContentType.objects.get_for_model(Invite).pk,
                },
            )
            remaining, queued, invites = cursor.fetchone()
            return remaining, queued, invites
    remaining = (
        CreditEntry.objects.filter(invite_batch=batch)
        .values_list("balance_after", flat=True)
        .first()
    )
    queued = Delivery.objects.filter(invite__batch=batch).count()
    return remaining, queued, _invites_json(batch, event_id=event_id, portal_id=portal_id)


def _batch_json_params(
    batch: InviteBatch, *, event_id: str, portal_id: str | None
) -> dict[str, Any]:
    return {
        "invite_url": site_url("/i/"),
        "event_id": event_id,
        "portal_id": portal_id,
        "batch_id": batch.pk,
        "with_link": organizer_holds_link(portal_id=batch.portal_id, batch_method=batch.method),
    }


def _invites_json(batch: InviteBatch, *, event_id: str, portal_id: str | None) -> str:
    """A batch's invites as a JSON array, in the order they were generated."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _BATCH_JSON_SQL, _batch_json_params(batch, event_id=event_id, portal_id=portal_id)
            )
            return cursor.fetchone()[0]
    with_link = organizer_holds_link(portal_id=batch.portal_id, batch_method=batch.method)
    rows = Invite.objects.filter(batch=batch).order_by("id").values_list(*_COLUMNS)
    return json.dumps(
        [
            _invite_out(columns, event_id=event_id, portal_id=portal_id, with_link=with_link)
            for columns in rows
        ],
        cls=NinjaJSONEncoder,
    )


GENERATE_DESCRIPTION = (
    "All or nothing: one invite credit per invite. Send an `Idempotency-Key` header (any "
    "string up to 200 characters, e.g. a UUID) to make retries safe: a request repeating a key "
    "with the same body answers like the first one and uses no credit; the same key with "
    "another body is refused with 422 `idempotency_key_mismatch`, and with another portal or "
    "event with 409 `idempotency_key_reused`. Keys are remembered for 24 hours; after that a "
    "key starts a new request. 402 `insufficient_credits` (details: requested, available) when "
    "the organization lacks invite credits."
)


@router.post(
    "/portals/{portal_id}/invites",
    response={201: GeneratedOut, **errors(400, 402, 404, 409, 422)},
    summary="Generate invites from a portal's allocation",
    description=GENERATE_DESCRIPTION
    + " 409 `allocation_exceeded` (details: invite_type, requested, remaining: the first type "
    "that does not fit), `portal_not_assigned` (the owner has not claimed it yet), "
    "`portal_revoked`. 422 `unknown_invite_type` (details.fields names where) for a code that "
    "is no live type of the portal's group; 404 `invite_type_not_found` for a type of another "
    "group of yours.",
)
def generate_portal_invites(
    request: ApiRequest,
    portal_id: PublicId,
    payload: GenerateIn,
    idempotency_key: Annotated[IdempotencyKey | None, Header(alias="Idempotency-Key")] = None,
) -> HttpResponse:
    portal = access_portal(request.organization, portal_id)
    batch = services.generate_invites(
        portal,
        _guests(payload),
        invite_type=payload.invite_type,
        **_generation_options(request, payload, idempotency_key),
    )
    return _generated(
        request, batch, payload, event_id=portal.group.event.public_id, portal_id=portal.public_id
    )


@router.post(
    "/events/{event_id}/invites",
    response={201: GeneratedOut, **errors(400, 402, 404, 409, 422)},
    summary="Generate the organizer's own invites for an event",
    description=GENERATE_DESCRIPTION
    + " No portal and no allocation are involved; an invite type (optional) brings its "
    "defaults. 422 `unknown_invite_type` for a type that is none of the event's groups'.",
)
def generate_event_invites(
    request: ApiRequest,
    event_id: PublicId,
    payload: GenerateIn,
    idempotency_key: Annotated[IdempotencyKey | None, Header(alias="Idempotency-Key")] = None,
) -> HttpResponse:
    event = access_event_by_public_id(request.organization, event_id)
    invite_type = (
        services.resolve_event_invite_type(event, payload.invite_type)
        if payload.invite_type
        else None
    )
    batch = services.generate_organizer_invites(
        event,
        _guests(payload),
        invite_type=invite_type,
        **_generation_options(request, payload, idempotency_key),
    )
    return _generated(request, batch, payload, event_id=event.public_id, portal_id=None)


# --- Reading ---------------------------------------------------------------------------------


def _filtered(invites: QuerySet[Invite], filters: InviteFilters) -> QuerySet[Invite]:
    if filters.status is not None:
        invites = invites.filter(status=filters.status.value)
    if filters.updated_since is not None:
        invites = invites.filter(updated_at__gte=filters.updated_since)
    return invites


# A list's rows: the id, what `invite_out` reads through the relations, then `_COLUMNS`.
_PAGE_COLUMNS = ("id", "event__public_id", "portal_id", "portal__public_id", "batch__method")


def _page_item(row: tuple[Any, ...], hooked: dict[str, Any]) -> dict[str, Any]:
    _, event_id, portal_pk, portal_public_id, method = row[: len(_PAGE_COLUMNS)]
    return _invite_out(
        row[len(_PAGE_COLUMNS) :],
        event_id=event_id,
        portal_id=portal_public_id,
        # A portal's links belong to its owner: the guest list's rule.
        with_link=organizer_holds_link(portal_id=portal_pk, batch_method=method),
        hooked=hooked,
    )


def _page(invites: QuerySet[Invite], filters: InviteFilters) -> dict[str, Any]:
    """One page as `invite_out` shows each invite, from plain rows (no model
    instances: for 50 invites and their five relations they were most of the
    list's time)."""
    rows, next_cursor = paginate(
        _filtered(invites, filters).values_list(*_PAGE_COLUMNS, *_COLUMNS),
        filters,
        row_id=itemgetter(0),
    )
    hooked = invite_api_values([row[0] for row in rows])
    return {
        "items": [_page_item(row, hooked.get(row[0], {})) for row in rows],
        "next_cursor": next_cursor,
    }


LIST_DESCRIPTION = (
    "Newest first. The organization sees its own invites, every invite made through the API, "
    "and a portal's other invites once the guest accepted (all of them when the portal group "
    "shares all invites)."
)


@router.get(
    "/portals/{portal_id}/invites",
    response={200: InvitePage, **errors(404, 422)},
    summary="List a portal's invites",
    description=LIST_DESCRIPTION,
)
def list_portal_invites(
    request: ApiRequest, portal_id: PublicId, filters: Query[InviteFilters]
) -> dict[str, Any]:
    portal = access_portal(request.organization, portal_id)
    return _page(visible_invites(request.organization).filter(portal=portal), filters)


@router.get(
    "/events/{event_id}/invites",
    response={200: InvitePage, **errors(404, 422)},
    summary="List an event's invites",
    description=LIST_DESCRIPTION + ' Filter by `source`: "organizer" or a portal id.',
)
def list_event_invites(
    request: ApiRequest, event_id: PublicId, filters: Query[EventInviteFilters]
) -> dict[str, Any]:
    event = access_event_by_public_id(request.organization, event_id)
    invites = visible_invites(request.organization).filter(event=event)
    if filters.source == "organizer":
        invites = invites.filter(portal__isnull=True)
    elif filters.source:
        invites = invites.filter(portal=access_portal(request.organization, filters.source))
    return _page(invites, filters)


@router.get(
    "/invites/{invite_id}", response={200: InviteOut, **errors(404)}, summary="Read an invite"
)
def get_invite(request: ApiRequest, invite_id: PublicId) -> dict[str, Any]:
    return invite_out(access_invite(request.organization, invite_id))


# --- Sending and revoking ------------------------------------------------------------------


@router.post(
    "/invites/{invite_id}/send",
    response={200: InviteOut, **errors(400, 404, 409, 422)},
    summary="Email the invite to its guest (again)",
    description=(
        "The email is sent in the background; the invite becomes `sent` once it is. 409 "
        "`no_recipients` when the invite has no email address or is revoked, "
        f"`send_limit_reached` after {MAX_SENDS_PER_INVITE} emails to one invite."
    ),
)
def send_invite(
    request: ApiRequest, invite_id: PublicId, payload: SendIn | None = None
) -> dict[str, Any]:
    invite = access_invite(request.organization, invite_id)
    payload = payload or SendIn()
    queue_invite_emails(
        [invite],
        subject=payload.subject.strip(),
        message=payload.message.strip(),
        actor=actor_of(request),
    )
    return invite_out(access_invite(request.organization, invite_id))


@router.post(
    "/invites/{invite_id}/revoke",
    response={200: InviteOut, **errors(404, 409)},
    summary="Revoke an unanswered invite",
    description="Its allocation slot goes back to the portal; the credit is not refunded. "
    "409 `invite_answered` once the guest has answered.",
)
def revoke_invite(request: ApiRequest, invite_id: PublicId) -> dict[str, Any]:
    invite = access_invite(request.organization, invite_id)
    revoked = services.revoke_invite(invite, actor=actor_of(request))
    revoked.event, revoked.portal, revoked.batch = invite.event, invite.portal, invite.batch
    return invite_out(revoked)


# --- Answering on the guest's behalf -------------------------------------------------------


@router.post(
    "/invites/{invite_id}/response",
    response={200: InviteOut, **errors(404, 409, 422)},
    summary="Record the guest's answer on their behalf",
    description=(
        "For an answer given by phone or email: the same rules and capacity as the guest's "
        "own page, and the guest gets the same confirmation. Accepting an invite that needs "
        "approval makes it `pending`. 409 `rsvp_closed`, `invite_revoked`, `multi_use_link` "
        "(each guest answers a link themselves), `plus_ones_exceeded`, `window_required`, "
        "`window_not_admitted`, `window_full`, `event_full`, `guest_details_required` (a "
        "blank link needs `name` and `email`). 422 for an `entry_window` that is none of the "
        "event's."
    ),
)
def record_response(
    request: ApiRequest, invite_id: PublicId, payload: ResponseIn
) -> dict[str, Any]:
    invite = access_invite(request.organization, invite_id)
    window = None
    if payload.entry_window is not None:
        window = EntryWindow.objects.filter(
            event_id=invite.event_id, public_id=payload.entry_window
        ).first()
        if window is None:
            raise field_error("entry_window", "No entry window of this event has this id.")
    answered = answers.respond(
        invite,
        accept=payload.status == "accepted",
        plus_ones=payload.plus_ones,
        name=payload.name,
        email=payload.email or "",
        window=window,
    )
    # Who answered for the guest: no column holds it, the log does.
    logger.info(
        "Answer %s for invite %s recorded by API key %s",
        answered.status,
        invite.public_id,
        request.api_key.prefix,
    )
    return invite_out(access_invite(request.organization, invite_id))
