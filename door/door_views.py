"""The door page for phones: scan, type, search, let parties in, undo, walk-ins,
live counts, and the offline copy and its sync.

Thin views: door_access (door/access.py) finds the event and what the staff
member may do; door/checkins.py and door/walk_ins.py decide; these render.
Every page works as plain forms; the page's script (static/door/door.js)
posts the same forms with `X-Door-Partial: 1` and swaps in the partial.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from door.access import DoorAccess, door_access
from door.checkins import (
    DoorError,
    Outcome,
    Scan,
    admit,
    attendance,
    check_in,
    look_up,
    look_up_invite,
    undo,
)
from door.door_forms import ScanForm, UndoForm, WalkInForm
from door.door_queries import (
    MIN_SEARCH,
    door_invite,
    has_windows,
    keep_until,
    rows_to_undo,
    search_guests,
    snapshot,
)
from door.walk_ins import WalkInError, add_walk_in
from invites.services import InviteError
from organizations.access import OrganizationRequest, organization_view

# One sync carries at most this many queued scans (a phone offline for a long night).
MAX_SYNC_ITEMS = 500


def _partial(request: OrganizationRequest) -> bool:
    return request.headers.get("X-Door-Partial") == "1"


@dataclass(frozen=True)
class Chip:
    person: int
    label: str
    inside: bool


@dataclass(frozen=True)
class Panel:
    """A scan's result as the page shows it."""

    # The outcome, or "ready" (a look-up: tap who comes in) or "undone".
    state: str
    scan: Scan
    chips: list[Chip]
    # The people this request let in (the undo button's).
    admitted: list[int]
    can_override: bool
    # Chips carry the override on (a supervisor let this party in anyway).
    override: bool
    message: str = ""

    @property
    def invite(self) -> Any:
        return self.scan.invite


def _panel(
    access: DoorAccess,
    scan: Scan,
    *,
    looked_up: bool = False,
    override: bool = False,
    state: str = "",
    message: str = "",
) -> Panel:
    outcome = scan.outcome
    if not state:
        state = outcome.value
        if looked_up and outcome is Outcome.CHECKED_IN:
            state = "ready" if scan.people_out else Outcome.ALREADY_IN.value
    show_chips = scan.invite is not None and (
        outcome in {Outcome.CHECKED_IN, Outcome.ALREADY_IN} or override
    )
    chips = [
        Chip(
            person=person,
            label=gettext("Guest") if person == 0 else f"+{person}",
            inside=person in scan.people_in,
        )
        for person in range(scan.party if show_chips else 0)
    ]
    return Panel(
        state=state,
        scan=scan,
        chips=chips,
        admitted=[row.person for row in scan.admitted],
        can_override=access.supervisor and outcome.overridable and not override,
        override=override,
        message=message,
    )


def _door_context(access: DoorAccess, request: OrganizationRequest) -> dict[str, Any]:
    event = access.event
    counts = attendance(event)
    return {
        "event": event,
        "access": access,
        "counts": counts,
        "scan_form": ScanForm(),
        "walk_in_form": WalkInForm(event=event, has_windows=bool(counts.windows)),
        "min_search": MIN_SEARCH,
        "keep_until": keep_until(access),
        "door_urls": _urls(request, access),
        "nav_section": "events",
    }


def _urls(request: OrganizationRequest, access: DoorAccess) -> dict[str, str]:
    args = [request.organization.slug, access.event.slug]
    return {
        name: reverse(f"door:{name}", args=args)
        for name in ("door", "scan", "search", "undo", "walk_in", "counts", "snapshot", "sync")
    }


def _render_door(
    request: OrganizationRequest,
    access: DoorAccess,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = {**_door_context(access, request), **extra}
    return render(request, "door/door.html", context, status=status)


def _render_panel(
    request: OrganizationRequest, access: DoorAccess, panel: Panel, *, status: int = 200
) -> HttpResponse:
    if _partial(request):
        response = render(
            request,
            "door/_door_result.html",
            {"panel": panel, "event": access.event, "door_urls": _urls(request, access)},
            status=status,
        )
        response["X-Door-Target"] = "result"
        return response
    return _render_door(request, access, status=status, panel=panel)


@organization_view(staff=True)
@require_GET
def door(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    """The door page. `?q=` lists a search, `?guest=` opens a guest's panel (without script)."""
    access = door_access(request, event_slug)
    extra: dict[str, Any] = {}
    query = request.GET.get("q", "")
    if query:
        extra["search_query"] = query
        extra["found"] = search_guests(access, query)
    public_id = request.GET.get("guest", "")
    if public_id:
        invite = door_invite(access, public_id)
        if invite is None:
            raise Http404("No such guest.")
        panel = _panel(access, look_up_invite(invite), looked_up=True)
        if _partial(request):
            return _render_panel(request, access, panel)
        extra["panel"] = panel
    return _render_door(request, access, **extra)


@organization_view(staff=True)
@require_GET
def search(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    """The search results partial (nothing below MIN_SEARCH characters)."""
    access = door_access(request, event_slug)
    query = request.GET.get("q", "")
    return render(
        request,
        "door/_door_search.html",
        {
            "found": search_guests(access, query),
            "search_query": query,
            "min_search": MIN_SEARCH,
            "door_urls": _urls(request, access),
            "event": access.event,
        },
    )


@organization_view(staff=True)
@require_POST
def scan(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    """A scanned or typed code, a search result tapped, a chip, or "let in anyway"."""
    access = door_access(request, event_slug)
    form = ScanForm(request.POST)
    if not form.is_valid():
        if _partial(request):
            return _render_panel(
                request,
                access,
                _panel(
                    access,
                    Scan(outcome=Outcome.UNKNOWN),
                    state="invalid",
                    message=" ".join(str(e) for e in form.errors.get("code", []))
                    or gettext("Scan or type a check-in code."),
                ),
                status=422,
            )
        return _render_door(request, access, status=422, scan_form=form)
    data = form.cleaned_data
    persons = data["persons"] or None
    override = data["override"]
    device_fields = {"device": data["device"], "gate": data["gate"]}
    staff = request.user
    try:
        if data["invite"]:
            invite = door_invite(access, data["invite"])
            if invite is None:
                raise Http404("No such guest.")
            if persons is None and not override:
                return _render_panel(
                    request, access, _panel(access, look_up_invite(invite), looked_up=True)
                )
            result = admit(
                invite,
                staff=staff,
                persons=persons or [0],
                override=override,
                supervisor=access.supervisor,
                **device_fields,
            )
            return _render_panel(request, access, _panel(access, result, override=override))
        code = data["code"]
        if persons is None and not data["express"] and not override:
            result = look_up(access.event, code, portal_id=access.portal_id)
            return _render_panel(request, access, _panel(access, result, looked_up=True))
        result = check_in(
            access.event,
            code,
            staff=staff,
            # Express: the guest themself; a re-scan says "already checked in".
            persons=persons or [0],
            override=override,
            supervisor=access.supervisor,
            portal_id=access.portal_id,
            **device_fields,
        )
    except DoorError as error:
        status = 403 if error.code == "override_not_allowed" else 422
        return _render_panel(
            request,
            access,
            _panel(access, Scan(outcome=Outcome.UNKNOWN), state="error", message=error.message),
            status=status,
        )
    return _render_panel(request, access, _panel(access, result, override=override))


@organization_view(staff=True)
@require_POST
def undo_check_in(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    """Undo the panel's last check-in(s): a reversing row for each."""
    access = door_access(request, event_slug)
    form = UndoForm(request.POST)
    if not form.is_valid():
        raise Http404("No such check-in.")
    invite = door_invite(access, form.cleaned_data["invite"])
    if invite is None:
        raise Http404("No such guest.")
    rows = rows_to_undo(invite, form.cleaned_data["persons"])
    message = gettext("Undone: nobody was checked in by this.")
    undone = 0
    for row in rows:
        try:
            undo(row, staff=request.user, device=form.cleaned_data["device"])
        except DoorError:
            # Undone on another device meanwhile: the result is the same.
            continue
        undone += 1
    if undone:
        message = gettext("Undone: %(guest)s is no longer checked in for this scan.") % {
            "guest": invite
        }
    return _render_panel(
        request, access, _panel(access, look_up_invite(invite), state="undone", message=message)
    )


@organization_view(staff=True)
@require_POST
def walk_in(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    """A walk-in party: recorded and let in, or the form back with its errors."""
    access = door_access(request, event_slug)
    form = WalkInForm(request.POST, event=access.event, has_windows=has_windows(access.event))
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = add_walk_in(
                access.event,
                name=data["name"],
                email=data["email"],
                party=data["party"],
                let_in_by=data["let_in_by"],
                window=data.get("window"),
                staff=request.user,
                device=data["device"],
                gate=data["gate"],
            )
        except WalkInError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except InviteError as error:
            # No room: the window or the event is full.
            form.add_error("party", str(error))
        else:
            return _render_panel(request, access, _panel(access, result))
    if _partial(request):
        response = render(
            request,
            "door/_door_walk_in.html",
            {"walk_in_form": form, "door_urls": _urls(request, access)},
            status=422,
        )
        response["X-Door-Target"] = "walk-in"
        return response
    return _render_door(request, access, status=422, walk_in_form=form, walk_in_open=True)


@organization_view(staff=True)
@require_GET
def counts(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    """The live counts partial, polled by the door page and the event page."""
    access = door_access(request, event_slug)
    return render(
        request,
        "door/_door_counts.html",
        {
            "counts": attendance(access.event),
            "event": access.event,
            "counts_url": reverse(
                "door:counts", args=[request.organization.slug, access.event.slug]
            ),
        },
    )


@never_cache
@organization_view(staff=True)
@require_GET
def snapshot_json(request: OrganizationRequest, event_slug: str) -> JsonResponse:
    """The offline copy of the door's accepted guests (code hashes, never codes)."""
    access = door_access(request, event_slug)
    return JsonResponse(snapshot(access))


def _json_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _conflict_message(access: DoorAccess, result: Scan) -> str:
    if result.outcome is Outcome.ALREADY_IN and result.last is not None:
        last = result.last
        staff = last.staff
        who = (staff.get_full_name() or staff.email) if staff is not None else gettext("someone")
        return gettext("Already checked in at %(time)s by %(who)s on %(device)s.") % {
            "time": timezone.localtime(last.created_at, access.event.tz).strftime("%H:%M"),
            "who": who,
            "device": last.device or gettext("an unnamed device"),
        }
    return str(OUTCOME_TEXT[result.outcome])


# What a synced scan's outcome says in the page's list of conflicts.
OUTCOME_TEXT = {
    Outcome.CHECKED_IN: _("Checked in."),
    Outcome.ALREADY_IN: _("Already checked in."),
    Outcome.PENDING: _("Not accepted yet: the answer waits for approval."),
    Outcome.NOT_ACCEPTED: _("Not accepted: this guest has not said yes."),
    Outcome.WRONG_WINDOW: _("Wrong entry window: not let in."),
    Outcome.REVOKED: _("Revoked: do not let in."),
    Outcome.WRONG_EVENT: _("This code is for another event."),
    Outcome.UNKNOWN: _("Unknown code."),
}


def _sync_item(raw: Any) -> dict[str, Any] | None:
    """One queued scan, read strictly (None: malformed)."""
    if not isinstance(raw, dict):
        return None
    code, client_ref = raw.get("code"), raw.get("client_ref")
    device, gate = raw.get("device", ""), raw.get("gate", "")
    persons, scanned = raw.get("persons", [0]), raw.get("scanned_at")
    if not (isinstance(code, str) and 0 < len(code) <= 64):
        return None
    if not (isinstance(client_ref, str) and 0 < len(client_ref) <= 64):
        return None
    if not (isinstance(device, str) and isinstance(gate, str)):
        return None
    if not (
        isinstance(persons, list)
        and 0 < len(persons) <= 100
        and all(isinstance(p, int) and not isinstance(p, bool) for p in persons)
    ):
        return None
    scanned_at: datetime | None = None
    if scanned is not None:
        scanned_at = parse_datetime(scanned) if isinstance(scanned, str) else None
        if scanned_at is None:
            return None
        if timezone.is_naive(scanned_at):
            scanned_at = timezone.make_aware(scanned_at, UTC)
    return {
        "code": code,
        "client_ref": client_ref,
        "device": device,
        "gate": gate,
        "persons": persons,
        "scanned_at": scanned_at,
    }


@organization_view(staff=True)
@require_POST
def sync(request: OrganizationRequest, event_slug: str) -> JsonResponse:
    """Scans queued offline, in order, each through check_in (first write wins;
    a replayed item changes nothing). Answers each item's outcome and conflicts."""
    access = door_access(request, event_slug)
    if request.content_type != "application/json":
        # A form's body is already read (and is no JSON): refuse it like bad JSON.
        return _json_error("invalid_json", gettext("The request is not JSON."), 400)
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _json_error("invalid_json", gettext("The request is not JSON."), 400)
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return _json_error("invalid_request", gettext('Send {"items": [...]}.'), 422)
    if len(items) > MAX_SYNC_ITEMS:
        return _json_error(
            "too_many_items",
            gettext("Send at most %(most)d scans at a time.") % {"most": MAX_SYNC_ITEMS},
            422,
        )
    results = []
    for raw in items:
        item = _sync_item(raw)
        if item is None:
            ref = raw.get("client_ref") if isinstance(raw, dict) else None
            results.append(
                {
                    "client_ref": ref if isinstance(ref, str) else "",
                    "outcome": "invalid_item",
                    "conflict": True,
                    "message": gettext("This queued scan could not be read."),
                }
            )
            continue
        try:
            result = check_in(
                access.event,
                item["code"],
                staff=request.user,
                persons=item["persons"],
                supervisor=access.supervisor,
                device=item["device"],
                gate=item["gate"],
                portal_id=access.portal_id,
                scanned_at=item["scanned_at"],
                client_ref=item["client_ref"],
            )
        except DoorError as error:
            results.append(
                {
                    "client_ref": item["client_ref"],
                    "outcome": error.code,
                    "conflict": True,
                    "message": error.message,
                }
            )
            continue
        invite = result.invite
        results.append(
            {
                "client_ref": item["client_ref"],
                "outcome": result.outcome.value,
                "name": str(invite) if invite is not None else "",
                "people_in": result.people_in,
                "conflict": result.outcome is not Outcome.CHECKED_IN,
                "message": _conflict_message(access, result),
            }
        )
    return JsonResponse({"results": results})
