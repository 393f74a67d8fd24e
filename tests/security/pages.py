"""Every page of the product, who can reach it, and how to reach it in the payload world.

A new page joins the payload test by getting an entry in PAGES (or, if it
shows nothing, a commented line in EXCLUDED): `test_every_named_url_is_in_the_registry`
walks the URL resolver and fails for a named pattern that is in neither.

An entry: the URL name, the roles that open it (the browsers of World.clients,
plus "guest", an anonymous browser for a secret link), how to build the URL's
kwargs (and query, and a POST body for pages that answer a form), and the
status each role gets. A builder gets the world and the role's browser, so
a page that needs a step first (a preview made in the session) can take it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from organizations.models import TeamInvitation
from portals.bulk_links import portal_emails
from tests.security.world import World, csv_bytes

Builder = Callable[[World, Client], dict[str, Any]]

ORGANIZERS = ("alice", "bob", "dora")
OWNERS = ("owner", "owner_by_code")


def _none(world: World, client: Client) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Page:
    url_name: str
    roles: tuple[str, ...]
    kwargs: Builder = _none
    query: Builder = _none
    post: Builder | None = None
    status: int = 200
    statuses: dict[str, int] = field(default_factory=dict)  # per role, when it differs
    headers: dict[str, str] = field(default_factory=dict)
    label: str = ""

    def expected(self, role: str) -> int:
        return self.statuses.get(role, self.status)

    def describe(self, role: str) -> str:
        method = "POST" if self.post else "GET"
        return f"{method} {self.url_name}{f' ({self.label})' if self.label else ''} as {role}"


def org(world: World, client: Client) -> dict[str, Any]:
    return {"org_slug": world.org_slug}


def event(world: World, client: Client) -> dict[str, Any]:
    return {"org_slug": world.org_slug, "event_slug": world.event.slug}


def group(world: World, client: Client) -> dict[str, Any]:
    return {"org_slug": world.org_slug, "group_id": world.group.public_id}


def closed_event(world: World, client: Client) -> dict[str, Any]:
    return {"org_slug": world.org_slug, "event_slug": world.closed_event.slug}


def invite_type(world: World, client: Client) -> dict[str, Any]:
    """The payload-named type of the closed event's group (tests/security/world.py)."""
    group = world.closed_event.portal_groups.get()
    named = group.invite_types.get(code="vip-preview")
    return {"org_slug": world.org_slug, "group_id": group.public_id, "type_id": named.public_id}


def entry_window(world: World, client: Client) -> dict[str, Any]:
    window = world.closed_event.entry_windows.get()
    return {
        "org_slug": world.org_slug,
        "event_slug": world.closed_event.slug,
        "window_id": window.public_id,
    }


def bulk_send(world: World, client: Client) -> dict[str, Any]:
    """The world's bulk reminder send (tests/security/world.py)."""
    send_id = (
        portal_emails()
        .filter(object_id=world.imported_portal.pk)
        .exclude(send_id="")
        .values_list("send_id", flat=True)
        .first()
    )
    return {"send": send_id}


def portal_of(attribute: str) -> Builder:
    def build(world: World, client: Client) -> dict[str, Any]:
        return {"org_slug": world.org_slug, "portal_id": getattr(world, attribute).public_id}

    return build


def token_of(attribute: str) -> Builder:
    return lambda world, client: {"token": getattr(world, attribute).token}


def owner_portal(world: World, client: Client) -> dict[str, Any]:
    return {"public_id": world.portal.public_id}


def organizer_invite(state: str) -> Builder:
    """An invite of the world's event on the organizer's guest list."""
    return lambda world, client: {
        "org_slug": world.org_slug,
        "event_slug": world.invites[state].event.slug,
        "invite_id": world.invites[state].public_id,
    }


def guest(state: str) -> Builder:
    return lambda world, client: {"token": world.invites[state].token}


def guest_csv(world: World, client: Client) -> dict[str, Any]:
    n = len(world.payloads.fields) + 1
    data = csv_bytes(
        [
            ["name", "email", "tags", f"<script>alert({n})</script> key"],
            [f"<script>alert({n})</script>", "", f"<svg onload=alert({n})>", "x"],
            [f'"><img src=x onerror=alert({n})>', f"<svg/onload=alert({n})>", "", ""],
        ]
    )
    world.payloads.fields[n] = "CSV preview (uploaded, not saved)"
    return {
        "method": "csv",
        "csv-submission": f"preview-{n}",
        "csv-file": SimpleUploadedFile("guests.csv", data, "text/csv"),
        "csv-plus_ones": "0",
    }


def portal_csv(world: World, client: Client) -> dict[str, Any]:
    n = len(world.payloads.fields) + 1
    world.payloads.fields[n] = "portal CSV preview (uploaded, not saved)"
    data = csv_bytes(
        [
            ["name", "allocation", "contact_email"],
            [f"<script>alert({n})</script>", "3", ""],
            [f"'><svg onload=alert({n})>", f"<img src=x onerror=alert({n})>", "bad"],
        ]
    )
    return {"file": SimpleUploadedFile("portals.csv", data, "text/csv")}


def skipped_rows(url_name: str, kwargs: Builder) -> Builder:
    """The query of a CSV preview's skipped rows: upload a file with a bad row first."""

    def build(world: World, client: Client) -> dict[str, Any]:
        data = guest_csv(world, client)
        client.post(reverse(url_name, kwargs=kwargs(world, client)), data)
        return {"skipped": data["csv-submission"]}

    return build


def portal_file(world: World, client: Client) -> dict[str, Any]:
    """A previewed portal file with a bad row, as the preview posts it back."""
    data = csv_bytes(
        [
            ["name", "allocation", "contact_email"],
            ["<script>alert(0)</script>", "3", ""],
            ["<svg onload=alert(0)>", "<img src=x onerror=alert(0)>", "=bad"],
        ]
    )
    return {"content": base64.b64encode(data).decode(), "filename": "<b>x</b>.csv"}


DOOR_PARTIAL = {"X-Door-Partial": "1"}


def door_query(world: World, client: Client) -> dict[str, Any]:
    """A search that finds the payload-named guests."""
    return {"q": "alert"}


def door_guest(state: str) -> Builder:
    return lambda world, client: {"guest": world.invites[state].public_id}


def door_code(state: str, **fields: str) -> Builder:
    """A scan of the check-in code of the guest in `state` (an accepted one)."""
    return lambda world, client: {"code": world.invites[state].check_in_pass.code, **fields}


def selection(*states: str) -> Builder:
    return lambda world, client: {"invite": [world.invites[s].public_id for s in states]}


def email_form(step: str, *states: str) -> Builder:
    def build(world: World, client: Client) -> dict[str, Any]:
        return {
            **selection(*states)(world, client),
            "step": step,
            "subject": "{{ name }} · {{ event }} · {{ portal }} · {{ 7*7 }}",
            "message": "{{ name }}\n{{ portal }} {% debug %}\n{{ event }}",
        }

    return build


def preview_key(send_url: str, *states: str) -> Builder:
    """Preview in the send form first (the frame's key lives in the session)."""

    def build(world: World, client: Client) -> dict[str, Any]:
        response = client.post(
            reverse(send_url, kwargs=_send_kwargs(send_url, world)),
            email_form("preview", *states)(world, client),
        )
        found = re.search(r'/preview/([\w-]+)/"', response.content.decode())
        assert found, f"{send_url}: no preview frame in {response.content[:3000]!r}"
        return {**_send_kwargs(send_url, world), "key": found.group(1)}

    return build


def _send_kwargs(send_url: str, world: World) -> dict[str, Any]:
    if send_url.startswith("owner:"):
        return {"public_id": world.portal.public_id}
    return {"org_slug": world.org_slug, "event_slug": world.event.slug}


def invitation_for(email: str) -> Builder:
    def build(world: World, client: Client) -> dict[str, Any]:
        address = world.team_invitation.email if email == "open" else email
        return {"token": TeamInvitation.objects.get(email=address).token}

    return build


def email_link(pattern: str, *names: str) -> Builder:
    """Kwargs read from a link in an email of the world (allauth's confirmations)."""

    def build(world: World, client: Client) -> dict[str, Any]:
        for message in world.outbox:
            found = re.search(pattern, message.body)
            if found:
                return dict(zip(names, found.groups(), strict=True))
        raise AssertionError(f"no email with a link like {pattern}")

    return build


def send_id(who: str) -> Builder:
    return lambda world, client: {"send": world.send_ids[who]}


PAGES: list[Page] = [
    # --- Public and account pages ---------------------------------------------------
    Page("organizations:landing", ("anonymous", "alice"), statuses={"alice": 302}),
    Page("organizations:healthz", ("anonymous",)),
    Page("organizations:home", ("alice", "charlie"), status=302),
    Page("organizations:create", ("alice", "charlie")),
    Page(
        "organizations:invitation",
        ("anonymous",),
        kwargs=invitation_for("open"),
        label="open invitation",
    ),
    Page(
        "organizations:invitation",
        ("charlie",),
        kwargs=invitation_for("charlie@example.com"),
        label="invited user",
    ),
    Page("account_login", ("anonymous",)),
    Page("account_logout", ("dora",)),
    Page("account_inactive", ("anonymous",)),
    Page("account_signup", ("anonymous",)),
    Page(
        "account_signup",
        ("anonymous",),
        post=lambda world, client: {
            "email": world.team_invitation.email,
            "password1": "short",
            "password2": "other",
        },
        label="refused",
    ),
    Page("account_reauthenticate", ("dora",)),
    Page("account_request_reauthentication_code", ("dora",), status=302),
    Page("account_confirm_reauthentication_code", ("dora",), status=302),
    Page("account_email", ("dora",)),
    Page("organizations:language", ORGANIZERS),
    Page(
        "organizations:language",
        ("alice",),
        post=lambda world, client: {"language": "de"},
        status=302,
        label="saved",
    ),
    Page("account_email_verification_sent", ("anonymous",)),
    Page("account_change_password", ("dora",)),
    Page("account_set_password", ("dora",), status=302),
    Page("account_reset_password", ("anonymous",)),
    Page("account_reset_password_done", ("anonymous",)),
    Page("account_confirm_login_code", ("anonymous",), status=302),
    Page(
        "account_confirm_email",
        ("dora",),
        kwargs=email_link(r"/accounts/confirm-email/([-:\w]+)/", "key"),
    ),
    Page(
        "account_reset_password_from_key",
        ("anonymous",),
        kwargs=email_link(
            r"/accounts/password/reset/key/([0-9A-Za-z]+)-([^/\s]+)/", "uidb36", "key"
        ),
        status=302,
    ),
    Page("account_reset_password_from_key_done", ("anonymous",)),
    Page("api:openapi-view", ("anonymous",)),
    # --- The organization's pages -----------------------------------------------------
    Page("organizations:dashboard", ORGANIZERS, kwargs=org, status=302),
    Page("organizations:settings", ORGANIZERS, kwargs=org),
    Page("organizations:api_keys", ("alice",), kwargs=org),
    Page("organizations:brand", ("alice",), kwargs=org),
    Page(
        "organizations:brand",
        ("alice",),
        kwargs=org,
        post=lambda world, client: {
            "accent": world.payloads.email("brand.accent (refused)", kind="svg"),
            "footer_text": world.payloads.text("brand.footer_text (refused)"),
        },
        status=400,
        label="refused colour",
    ),
    Page(
        "organizations:brand_css", ("anonymous",), kwargs=lambda world, client: {"colour": "8a1538"}
    ),
    Page("events:brand", ("alice",), kwargs=event),
    Page("events:brand", ("alice",), kwargs=closed_event, label="inherits the organization's"),
    Page("organizations:team", ORGANIZERS, kwargs=org),
    Page(
        "organizations:team_invite",
        ("alice",),
        kwargs=org,
        post=lambda world, client: {"email": world.team_invitation.email, "role": "member"},
        status=400,
        label="refused: already invited",
    ),
    Page("events:list", ORGANIZERS, kwargs=org),
    Page("events:create", ORGANIZERS, kwargs=org),
    Page("events:detail", ORGANIZERS, kwargs=event),
    Page("events:edit", ORGANIZERS, kwargs=event),
    Page(
        "events:detail",
        ("alice",),
        kwargs=lambda world, client: {"org_slug": world.org_slug, "event_slug": "closed-fair"},
        label="closed event",
    ),
    Page("portals:group_create", ORGANIZERS, kwargs=event),
    Page("portals:group_detail", ORGANIZERS, kwargs=group),
    Page(
        "portals:group_detail",
        ("alice",),
        kwargs=group,
        query=lambda world, client: {
            "q": world.payloads.text("portal search (typed, not saved)", template=False),
            "cursor": "not-a-cursor",
        },
        label="searched, nothing matches",
    ),
    Page("portals:group_edit", ORGANIZERS, kwargs=group),
    Page("portals:portal_create", ORGANIZERS, kwargs=group),
    Page("portals:portal_import", ORGANIZERS, kwargs=group),
    Page("portals:portal_import", ("alice",), kwargs=group, post=portal_csv, label="preview"),
    Page(
        "portals:portal_import_confirm",
        ("alice",),
        kwargs=group,
        post=lambda world, client: {
            "content": base64.b64encode(
                csv_bytes([["name"], [world.portal.name]])  # a name the group has: refused
            ).decode(),
            "filename": "<script>alert(0)</script>.csv",
        },
        label="refused: duplicate",
    ),
    Page(
        "portals:portal_import_confirm",
        ("alice",),
        kwargs=group,
        post=lambda world, client: {**portal_file(world, client), "skip_bad": "1"},
        status=302,
        label="import the valid rows",
    ),
    Page(
        "portals:portal_import_skipped",
        ORGANIZERS,
        kwargs=group,
        post=portal_file,
        label="download",
    ),
    Page("portals:portal_import_template", ("alice",), kwargs=group),
    Page("portals:bulk_links", ORGANIZERS, kwargs=group),
    Page(
        "portals:bulk_links",
        ("alice",),
        kwargs=group,
        post=lambda world, client: {"action": "link"},
        status=422,
        label="nothing selected",
    ),
    Page(
        "portals:bulk_links",
        ("alice",),
        kwargs=group,
        post=lambda world, client: {"portal": [world.imported_portal.public_id], "action": "link"},
        status=422,
        label="emailed just now",
    ),
    Page("portals:bulk_links_progress", ORGANIZERS, kwargs=group, query=bulk_send),
    Page(
        "portals:link_reminders",
        ("alice",),
        kwargs=group,
        post=lambda world, client: {"days": "<script>alert(0)</script>"},
        status=422,
        label="refused days",
    ),
    Page("portals:portals_csv", ORGANIZERS, kwargs=group),
    Page("portals:type_create", ORGANIZERS, kwargs=group),
    Page("portals:type_edit", ORGANIZERS, kwargs=invite_type),
    Page("portals:type_archive", ORGANIZERS, kwargs=invite_type),
    Page("portals:window_create", ORGANIZERS, kwargs=closed_event),
    Page("portals:window_edit", ORGANIZERS, kwargs=entry_window),
    Page("portals:window_delete", ORGANIZERS, kwargs=entry_window),
    Page("events:detail", ("alice",), kwargs=closed_event, label="entry windows"),
    Page(
        "portals:group_detail",
        ("alice",),
        kwargs=lambda world, client: {
            "org_slug": world.org_slug,
            "group_id": world.closed_event.portal_groups.get().public_id,
        },
        label="invite types",
    ),
    Page("portals:portal_detail", ORGANIZERS, kwargs=portal_of("portal"), label="claimed"),
    Page(
        "portals:portal_detail", ("alice",), kwargs=portal_of("imported_portal"), label="unclaimed"
    ),
    Page("portals:portal_detail", ("alice",), kwargs=portal_of("revoked_portal"), label="revoked"),
    Page("portals:portal_edit", ORGANIZERS, kwargs=portal_of("portal")),
    Page("portals:portal_change_owner", ("alice",), kwargs=portal_of("portal")),
    Page("portals:portal_revoke", ("alice",), kwargs=portal_of("imported_portal")),
    Page("invites:guest_list", ORGANIZERS, kwargs=event),
    Page(
        "invites:guest_list",
        ("alice",),
        kwargs=event,
        query=lambda world, client: {"source": world.portal.public_id, "status": "accepted"},
        label="filtered by portal",
    ),
    Page(
        "invites:guest_list",
        ("alice",),
        kwargs=event,
        query=lambda world, client: {
            "q": world.payloads.text("guest list search (typed, not saved)", template=False),
            "source": world.payloads.text("guest list source (typed, not saved)", template=False),
        },
        label="searched, unknown source",
    ),
    Page("invites:guest_list_csv", ("alice",), kwargs=event),
    Page("invites:organizer_generate", ORGANIZERS, kwargs=event),
    Page(
        "invites:organizer_generate",
        ("alice",),
        kwargs=event,
        post=guest_csv,
        status=422,
        label="CSV preview with bad rows",
    ),
    Page(
        "invites:organizer_generate",
        ("alice",),
        kwargs=event,
        query=skipped_rows("invites:organizer_generate", event),
        label="skipped rows download",
    ),
    Page(
        "invites:send",
        ORGANIZERS,
        kwargs=event,
        query=selection("organizer_opened", "api", "blank_answered"),
    ),
    Page(
        "invites:send",
        ("alice",),
        kwargs=event,
        post=email_form("preview", "blank_answered"),
        label="preview of a guest who named themselves",
    ),
    Page(
        "invites:send",
        ("alice",),
        kwargs=event,
        post=email_form("edit", "api"),
        label="edit",
    ),
    Page(
        "invites:send_preview",
        ("alice",),
        kwargs=preview_key("invites:send", "blank_answered"),
    ),
    Page("invites:send_progress", ("alice",), kwargs=event, query=send_id("organizer")),
    Page(
        "invites:send_progress",
        ("alice",),
        kwargs=event,
        query=send_id("organizer"),
        headers={"HX-Request": "true"},
        label="htmx partial",
    ),
    Page("credits:statement", ORGANIZERS, kwargs=org),
    Page("credits:statement_csv", ("alice",), kwargs=org),
    Page("billing:billing", ORGANIZERS, kwargs=org),
    Page(
        "billing:success",
        ("alice",),
        kwargs=org,
        query=lambda world, client: {"session_id": world.purchase.stripe_checkout_session_id},
    ),
    Page("billing:cancel", ("alice",), kwargs=org, status=302),
    Page(
        "billing:purchase",
        ("alice",),
        kwargs=lambda world, client: {
            "org_slug": world.org_slug,
            "purchase_id": world.purchase.public_id,
        },
    ),
    # --- The portal owner -------------------------------------------------------------------
    Page("owner:link", ("owner",), kwargs=token_of("portal"), status=302),
    Page("owner:link", ("anonymous",), kwargs=token_of("portal"), label="sign in"),
    Page("owner:link", ("anonymous",), kwargs=token_of("imported_portal"), label="claim"),
    Page(
        "owner:link", ("anonymous",), kwargs=token_of("revoked_portal"), status=410, label="revoked"
    ),
    Page(
        "owner:link",
        ("anonymous",),
        kwargs=token_of("imported_portal"),
        post=lambda world, client: {"email": '"<script>alert(0)</script>"@payload.example'},
        label="claim without credits",
    ),
    Page(
        "owner:request_code",
        ("anonymous",),
        kwargs=token_of("portal"),
        post=lambda world, client: {"email": "<script>alert(0)</script>"},
        status=422,
        label="refused",
    ),
    Page("owner:enter_code", ("anonymous",), kwargs=token_of("portal")),
    Page(
        "owner:enter_code",
        ("anonymous",),
        kwargs=token_of("portal"),
        post=lambda world, client: {"code": "<svg onload=alert(0)>"},
        status=422,
        label="refused",
    ),
    Page("owner:signed_out", ("anonymous",)),
    # An owner URL without a session: the portal's code sign-in, back to `next`.
    Page("owner:dashboard", ("anonymous",), kwargs=owner_portal, status=302, label="no session"),
    Page("owner:sign_in", ("anonymous",), kwargs=owner_portal),
    Page("owner:sign_in", ("owner",), kwargs=owner_portal, status=302, label="signed in"),
    Page(
        "owner:sign_in",
        ("anonymous",),
        kwargs=owner_portal,
        post=lambda world, client: {"email": "<script>alert(0)</script>"},
        status=422,
        label="refused",
    ),
    Page("owner:sign_in_code", ("anonymous",), kwargs=owner_portal),
    Page(
        "owner:sign_in_code",
        ("anonymous",),
        kwargs=owner_portal,
        post=lambda world, client: {"code": "<svg onload=alert(0)>"},
        status=422,
        label="refused",
    ),
    Page("owner:dashboard", OWNERS, kwargs=owner_portal),
    Page("owner:add_invites", OWNERS, kwargs=owner_portal),
    Page("owner:sender", OWNERS, kwargs=owner_portal),
    Page(
        "owner:add_invites",
        ("owner",),
        kwargs=owner_portal,
        post=guest_csv,
        status=422,
        label="CSV preview with bad rows",
    ),
    Page(
        "owner:add_invites",
        ("owner",),
        kwargs=owner_portal,
        query=skipped_rows("owner:add_invites", owner_portal),
        label="skipped rows download",
    ),
    Page("owner:export", ("owner",), kwargs=owner_portal),
    Page(
        "owner:edit_invite",
        OWNERS,
        kwargs=lambda world, client: {
            "public_id": world.portal.public_id,
            "invite_id": world.invites["owner_single"].public_id,
        },
    ),
    Page(
        "owner:send",
        OWNERS,
        kwargs=owner_portal,
        query=selection("owner_single", "owner_csv", "owner_blank_answered"),
    ),
    Page(
        "owner:send",
        ("owner",),
        kwargs=owner_portal,
        post=email_form("preview", "owner_blank_answered"),
        label="preview",
    ),
    Page(
        "owner:send_preview",
        ("owner",),
        kwargs=preview_key("owner:send", "owner_blank_answered"),
    ),
    Page("owner:send_progress", ("owner",), kwargs=owner_portal, query=send_id("owner")),
    Page(
        "owner:send_progress",
        ("owner",),
        kwargs=owner_portal,
        query=send_id("owner"),
        headers={"HX-Request": "true"},
        label="htmx partial",
    ),
    # --- The guest, in each state -------------------------------------------------------------
    *[
        Page("invites:guest", ("guest",), kwargs=guest(state), label=state)
        for state in (
            "organizer_opened",
            "blank_unanswered",
            "blank_answered",
            "owner_blank_answered",
            "declined",
            "owner_single",
            "owner_csv",
            "organizer_csv",
            "api",
            "api_portal",
            "closed_event",
            "paste",
            "multi_use_link",
            "link_answer",
            "approved",
            "pending",
        )
    ],
    Page(
        "invites:guest",
        ("guest",),
        kwargs=guest("multi_use_link"),
        post=lambda world, client: {
            "name": "<script>alert(0)</script>",
            "email": "<svg onload=alert(0)>",
            "plus_ones": "1",
        },
        status=422,
        label="refused link answer",
    ),
    Page(
        "invites:guest_list",
        ("alice",),
        kwargs=event,
        query=lambda world, client: {"status": "pending"},
        label="answers waiting for approval",
    ),
    Page("invites:guest", ("guest",), kwargs=guest("revoked"), status=410, label="revoked"),
    # --- The door: the accepted guest's calendar file, a new check-in code ------------------
    Page("door:calendar", ("guest",), kwargs=guest("approved")),
    Page("door:calendar", ("guest",), kwargs=guest("pending"), status=404, label="pending"),
    Page(
        "door:replace_code",
        ORGANIZERS,
        kwargs=lambda world, client: {
            "org_slug": world.org_slug,
            "event_slug": world.event.slug,
            "invite_id": world.invites["approved"].public_id,
        },
        post=lambda world, client: {},
        status=302,
    ),
    # --- Who arrived, and answers the organizer records for a guest -------------------
    Page(
        "invites:guest_list",
        ("alice",),
        kwargs=event,
        query=lambda world, client: {"source": "walk_in"},
        label="walk-ins",
    ),
    Page("owner:arrivals", OWNERS, kwargs=owner_portal),
    Page("invites:answer_for_guest", ORGANIZERS, kwargs=organizer_invite("organizer_opened")),
    Page(
        "invites:answer_for_guest",
        ("alice",),
        kwargs=organizer_invite("approved"),
        label="a portal's guest",
    ),
    Page(
        "invites:answer_for_guest",
        ("alice",),
        kwargs=organizer_invite("blank_unanswered"),
        post=lambda world, client: {
            "name": "<script>alert(0)</script>",
            "email": "<svg onload=alert(0)>",
            "answer": "accept",
        },
        status=422,
        label="refused",
    ),
    # --- Event staff: the event's staff page, event staff's landing page ------------------
    Page("door:staff", ORGANIZERS, kwargs=event),
    Page(
        "door:staff",
        ("alice",),
        kwargs=event,
        post=lambda world, client: {
            "email": world.team_invitation.email,
            "role": "check_in",
            "expires_on": "2031-10-06",
        },
        status=400,
        label="refused: invited to the team",
    ),
    Page("organizations:dashboard", ("erin",), kwargs=org, label="event staff's events"),
    # --- The door page (door/door_views.py) -------------------------------------------------
    Page("door:door", ORGANIZERS, kwargs=event),
    Page("door:door", ("alice",), kwargs=event, query=door_query, label="search"),
    Page("door:door", ("alice",), kwargs=event, query=door_guest("blank_answered"), label="panel"),
    Page("door:search", ORGANIZERS, kwargs=event, query=door_query),
    Page("door:search", ("alice",), kwargs=event, headers=DOOR_PARTIAL, label="too short"),
    Page("door:counts", ORGANIZERS, kwargs=event),
    Page("door:snapshot", ORGANIZERS, kwargs=event),
    Page("door:scan", ("alice",), kwargs=event, post=door_code("blank_answered"), label="look-up"),
    Page(
        "door:scan",
        ("alice",),
        kwargs=event,
        post=door_code("blank_answered", express="on"),
        headers=DOOR_PARTIAL,
        label="checked in, partial",
    ),
    Page(
        "door:scan",
        ("alice",),
        kwargs=event,
        post=lambda world, client: {"invite": world.invites["pending"].public_id},
        headers=DOOR_PARTIAL,
        label="pending guest",
    ),
    Page(
        "door:scan",
        ("alice",),
        kwargs=event,
        post=lambda world, client: {"code": "<script>alert(0)</script>"},
        label="unknown code",
    ),
    Page(
        "door:undo",
        ("alice",),
        kwargs=event,
        post=lambda world, client: {
            "invite": world.invites["blank_answered"].public_id,
            "persons": "0",
        },
        headers=DOOR_PARTIAL,
    ),
    Page(
        "door:walk_in",
        ("alice",),
        kwargs=event,
        post=lambda world, client: {
            "name": "<script>alert(0)</script>",
            "email": "<svg onload=alert(0)>",
            "party": "0",
            "let_in_by": "<img src=x onerror=alert(0)>",
        },
        status=422,
        label="refused",
    ),
    Page("door:sync", ("alice",), kwargs=event, post=lambda world, client: {}, status=400),
    Page(
        "invites:guest",
        ("guest",),
        kwargs=guest("blank_unanswered"),
        post=lambda world, client: {
            "name": "<script>alert(0)</script>",
            "email": "<svg onload=alert(0)>",
            "answer": "accept",
        },
        status=422,
        label="refused answer",
    ),
]

# Named URLs that are no page of their own, each with why.
EXCLUDED: dict[str, str] = {
    # Django admin: test_staff_sees_every_admin_page_escaped walks admin.site's registry.
    "admin:*": "the admin test walks every registered model",
    # The REST API answers JSON (test_the_api_answers_json_not_html).
    "api:*": "JSON, checked by the API test",
    # Email providers' tracking webhooks: POSTs from the provider, no page.
    "deliveries:anymail:*": "provider webhooks",
    "billing:webhook": "Stripe's POSTs",
    # POST-only actions that redirect (their outcome shows on pages above).
    "billing:buy": "POST, redirects to Stripe",
    "billing:request_credits": "POST; its form and list are on the billing page",
    "events:archive": "POST, redirects",
    "events:unarchive": "POST, redirects",
    "invites:organizer_revoke": "POST, redirects",
    "invites:approve": "POST, redirects to the guest list",
    "invites:decline": "POST, redirects to the guest list",
    "organizations:team_role": "POST, redirects",
    "organizations:team_remove": "POST, redirects",
    "organizations:invitation_cancel": "POST, redirects",
    "organizations:invitation_resend": "POST, redirects",
    "owner:revoke_invite": "POST, redirects",
    "owner:sign_out": "POST, redirects",
    # The language switches: POST, redirect to the page they were on (tests/i18n).
    "invites:guest_language": "POST, redirects to the guest page",
    "owner:language": "POST, redirects to the owner page",
    "owner:link_language": "POST, redirects to the portal link",
    "set_language": "Django's set_language: POST, redirects",
    "portals:portal_send_link": "POST, redirects",
    "door:staff_revoke": "POST, redirects to the staff page",
    "door:staff_expiry": "POST, redirects to the staff page",
    "favicon": "redirects to the static favicon.svg",
}
