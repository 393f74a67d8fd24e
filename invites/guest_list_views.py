"""The organizer's guest list of an event, and its CSV.

Both show what invites/guest_counts.py's `organizer_invites` lets the
organizer see, through the same filters (source, state, type, window); the
counts against capacity (per type, per window) are of the whole event, not
of the filtered rows, since a capacity is the whole event's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from artsvp.keyset import keyset_page
from artsvp.links import absolute_url
from artsvp.row_urls import row_url
from artsvp.secret_pages import mark_private
from events.access import access_event
from events.models import EntryWindow, Event
from invites.arrival_rows import ShownArrival, shown_arrivals
from invites.exports import organizer_invites_csv
from invites.forms import GuestListFilterForm, source_choices
from invites.guest_counts import (
    EventTypes,
    event_types,
    event_windows,
    listed_counts,
    listed_counts_of_types,
    organizer_invites,
    type_counts,
    window_counts,
)
from invites.hooks import arrivals_recorded, guest_row_actions
from invites.models import Invite, InviteBatch
from invites.sending import with_delivery_status
from organizations.access import OrganizationRequest, organization_view
from portals.models import Portal

GUESTS_PER_PAGE = 50
# Newest first; a total order (the last key is unique) the `invite_event_newest` index serves.
GUEST_ORDER = ("-created_at", "-id")


@dataclass(frozen=True)
class GuestListFilters:
    form: GuestListFilterForm
    # Every invite the organizer sees, and the ones the valid filters select.
    everything: QuerySet[Invite]
    invites: QuerySet[Invite]
    # The filters as a condition; None: no filter is set.
    condition: Q | None
    types: EventTypes
    windows: list[EntryWindow]


def _search(text: str) -> Q:
    """A guest's name, email or label containing `text`; "@gallery.example": an email domain."""
    if text.startswith("@"):
        return Q(guest_email__iendswith=text)
    return Q(guest_name__icontains=text) | Q(guest_email__icontains=text) | Q(label__icontains=text)


def _guest_list_filters(request: OrganizationRequest, event: Event) -> GuestListFilters:
    """The filter form and the invites it selects (a query each for portals, types, windows).
    A filter whose value cannot be used is an error on its field and filters nothing."""
    portals = list(
        Portal.objects.filter(organization=request.organization, group__event=event)
        .order_by("name", "id")
        .values_list("public_id", "name", "group__name")
    )
    types = event_types(event)
    windows = event_windows(event)
    form = GuestListFilterForm(
        request.GET or None,
        portals=source_choices(portals),
        types=[(t.public_id, types.labels[t.pk]) for t in types.filterable],
        windows=[(window.public_id, window.label) for window in windows],
    )
    everything = organizer_invites(event)
    condition = Q()
    if form.is_bound:
        # The valid fields land in cleaned_data; the others carry their error.
        form.is_valid()
    data: dict[str, Any] = getattr(form, "cleaned_data", {})
    search = (data.get("q") or "").strip()
    if search:
        condition &= _search(search)
    source = data.get("source")
    walk_in = InviteBatch.Method.WALK_IN
    if source == GuestListFilterForm.ORGANIZER:
        condition &= Q(portal__isnull=True) & ~Q(batch__method=walk_in)
    elif source == GuestListFilterForm.WALK_INS:
        condition &= Q(batch__method=walk_in)
    elif source:
        condition &= Q(portal__public_id=source)
    if data.get("status"):
        condition &= Q(status=data["status"])
    if data.get("invite_type"):
        condition &= Q(invite_type__public_id=data["invite_type"])
    window = data.get("window")
    if window == GuestListFilterForm.NO_WINDOW:
        condition &= Q(entry_window__isnull=True)
    elif window:
        condition &= Q(entry_window__public_id=window)
    invites = everything.filter(condition) if condition else everything
    return GuestListFilters(
        form=form,
        everything=everything,
        invites=invites.select_related("portal", "batch", "entry_window", "parent"),
        condition=condition or None,
        types=types,
        windows=windows,
    )


@dataclass(frozen=True)
class _RowLinks:
    """The per-invite links of the guest list, reversed once per page (artsvp/row_urls.py)."""

    answer: Callable[[str], str]
    revoke: Callable[[str], str]

    @classmethod
    def of(cls, org_slug: str, event_slug: str) -> _RowLinks:
        return cls(
            answer=row_url("invites:answer_for_guest", org_slug, event_slug),
            revoke=row_url("invites:organizer_revoke", org_slug, event_slug),
        )


def _row(
    invite: Invite,
    types: EventTypes,
    arrival: ShownArrival | None,
    links: _RowLinks,
) -> dict[str, Any]:
    public_id = invite.public_id
    return {
        "invite": invite,
        # Who of the party is in, since when (the door's records).
        "arrival": arrival,
        # A portal's links belong to its owner (Invite.organizer_holds_link).
        "link": absolute_url(invite.path) if invite.organizer_holds_link else "",
        # Empty for a type its group hides (a group with one type) and for untyped invites.
        "type_label": (
            types.labels.get(invite.invite_type_id, "")
            if types.shown and invite.invite_type_id is not None
            else ""
        ),
        "answer_url": links.answer(public_id),
        "revoke_url": links.revoke(public_id),
    }


@organization_view(event_managers=True)
def guest_list(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    filters = _guest_list_filters(request, event)
    # The whole event's counts per type; unfiltered, they add up to the list's own
    # counts, so the event is read once (a filtered list reads its rows once more).
    per_type = type_counts(event, filters.types)
    everything = listed_counts_of_types(per_type)
    shown = everything if filters.condition is None else listed_counts(filters.invites)
    counts = shown.counts
    page = keyset_page(
        with_delivery_status(filters.invites),
        order=GUEST_ORDER,
        cursor=request.GET.get("cursor"),
        per_page=GUESTS_PER_PAGE,
    )
    # How many invites the filters select, of how many.
    listed = {"total": everything.rows, "matching": shown.rows}
    query = request.GET.copy()
    query.pop("cursor", None)
    arrived = shown_arrivals(event, page.rows)
    links = _RowLinks.of(request.organization.slug, event.slug)
    private_groups = list(
        event.portal_groups.filter(share_all_invites=False).values_list("name", flat=True)
    )
    response = render(
        request,
        "invites/guest_list.html",
        {
            "event": event,
            "filters": filters.form,
            "page": page,
            "rows": [
                _row(invite, filters.types, arrived.get(invite.pk), links) for invite in page.rows
            ],
            # The rows' "Email" links (invites/send/_invite_delivery.html).
            "send_url": reverse("invites:send", args=[request.organization.slug, event.slug]),
            "show_arrivals": arrivals_recorded(),
            "counts": counts,
            "listed": listed,
            "filtered": filters.condition is not None,
            # The source box's datalist: (value, label) pairs.
            "source_options": [
                *filters.form.fixed_sources,
                *((choice.label, "") for choice in filters.form.portals),
            ],
            "attending": counts["accepted"] + counts["plus_ones"],
            # Of the whole event, whatever the filters.
            "waiting_for_approval": sum(row.pending for row in per_type),
            "guest_type_counts": per_type if filters.types.shown else [],
            "guest_window_counts": window_counts(event, filters.windows),
            "show_types": filters.types.shown,
            "show_windows": bool(filters.windows),
            "show_uses": shown.multi_use,
            # What the apps above add to a row (invites/hooks.py).
            "row_actions": guest_row_actions(),
            "filter_query": query.urlencode(),
            "private_groups": private_groups,
            "nav_section": "events",
        },
    )
    # The page lists the organizer's invite links.
    return mark_private(response)


@organization_view(event_managers=True)
def guest_list_csv(request: OrganizationRequest, event_slug: str) -> StreamingHttpResponse:
    event = access_event(request.organization, event_slug)
    filters = _guest_list_filters(request, event)
    response = organizer_invites_csv(
        filters.invites.order_by("created_at", "id"),
        event=event,
        filename=f"guests-{event.slug}.csv",
        link=absolute_url,
    )
    return mark_private(response)
