"""A signed-in portal owner's pages: the dashboard (with who of their guests
arrived: the door's records, invites/arrival_rows.py), adding and revoking
invites, the CSV export, signing out.

The URLs hold the portal's public id, not its token; a browser not signed in
to that portal gets invites/owner_gate.py's answer (sign in with a code, handed over,
revoked). Signing in is sign_in.py's and recovery.py's.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from artsvp.i18n import recognized, set_language_cookie
from artsvp.keyset import KeysetPage, keyset_page
from artsvp.links import absolute_url
from artsvp.row_urls import row_url
from credits.ledger import balances
from events.models import Event
from invites.arrival_rows import arrived_count, shown_arrivals
from invites.exports import portal_invites_csv
from invites.forms import InviteStatusFilterForm
from invites.generate_views import (
    GenerationTarget,
    generation_page,
    portal_setup,
    portal_type_allocations,
)
from invites.guests import MAX_BLANK_LINKS
from invites.hooks import arrivals_recorded
from invites.models import Invite
from invites.owner.forms import InviteDetailsForm, SenderNameForm
from invites.owner_gate import owner_page, safe_next
from invites.sending import with_delivery_status
from invites.services import (
    InviteNotEditable,
    InviteNotRevocable,
    revoke_invite,
    update_invite_details,
)
from portals.emails import from_preview
from portals.errors import PortalRevoked
from portals.models import Portal
from portals.owner_sessions import sign_out_owner
from portals.services import set_owner_language, set_sender_name

INVITES_PER_PAGE = 50
# Newest first; a total order (the last key is unique) the `invite_portal_newest` index serves.
INVITE_ORDER = ("-created_at", "-id")


@owner_page()
def dashboard(request: HttpRequest, portal: Portal) -> HttpResponse:
    filters = InviteStatusFilterForm(request.GET or None)
    invites = Invite.objects.filter(portal=portal).select_related("invite_type")
    status = filters.cleaned_data.get("status") if filters.is_valid() else ""
    if status:
        invites = invites.filter(status=status)
    # Any: the stubs lose the delivery annotations through the page's type variable.
    page: KeysetPage[Any] = keyset_page(
        with_delivery_status(invites),
        order=INVITE_ORDER,
        cursor=request.GET.get("cursor"),
        per_page=INVITES_PER_PAGE,
    )
    if page.invalid_cursor:
        messages.warning(
            request, gettext("That page link could not be read: this is the first page.")
        )
    query = request.GET.copy()
    query.pop("cursor", None)
    event = portal.group.event
    arrived = shown_arrivals(event, page.rows)
    # Reversed once for the page (artsvp/row_urls.py).
    edit_url = row_url("owner:edit_invite", portal.public_id)
    revoke_url = row_url("owner:revoke_invite", portal.public_id)
    rows = [
        {
            "invite": invite,
            "link": absolute_url(invite.path),
            "arrival": arrived.get(invite.pk),
            # Offers the edit page; update_invite_details decides under its lock.
            "editable": invite.status == Invite.Status.CREATED
            and invite.delivery_status is None
            and not invite.uses_taken,
            "edit_url": edit_url(invite.public_id),
            "revoke_url": revoke_url(invite.public_id),
        }
        for invite in page.rows
    ]
    allocations = portal_type_allocations(portal)
    return render(
        request,
        "invites/owner/dashboard.html",
        {
            "portal": portal,
            "event": event,
            "group": portal.group,
            "page": page,
            "filter_query": query.urlencode(),
            # The CSV and the filter are offered once the portal has invites (a query
            # only when this page shows none).
            "has_invites": bool(page.rows) or Invite.objects.filter(portal=portal).exists(),
            "arrivals": _arrivals(portal, event),
            "show_arrivals": arrivals_recorded(),
            "rows": rows,
            # The rows' "Email" links (invites/send/_invite_delivery.html).
            "send_url": reverse("owner:send", args=[portal.public_id]),
            "filters": filters,
            "status_filter": status,
            "invite_credits_available": balances(portal.organization).invite > 0,
            "portal_link": absolute_url(portal.path),
            # A group with one type hides the type everywhere.
            "allocations": allocations if len(allocations) > 1 else [],
            # The uses column only once the portal has a multi-use link.
            "show_uses": Invite.objects.filter(portal=portal, uses__gt=1).exists(),
            "privacy": _privacy(portal),
        },
    )


# How often the dashboard's arrivals count refreshes while the event is on.
ARRIVALS_REFRESH_SECONDS = 15
# The event is "on" from a day before it starts to a day after it ends.
_LIVE_MARGIN = timedelta(days=1)


def _arrivals(portal: Portal, event: Event) -> dict[str, Any]:
    """How many of the portal's accepted guests arrived (its own guests only)."""
    accepted = Invite.objects.filter(portal=portal, status=Invite.Status.ACCEPTED)
    now = timezone.now()
    return {
        "accepted": accepted.count(),
        "arrived": arrived_count(accepted),
        "live": event.starts_at - _LIVE_MARGIN <= now <= event.ends_at + _LIVE_MARGIN,
        "refresh_seconds": ARRIVALS_REFRESH_SECONDS,
    }


@owner_page(["GET"])
def arrivals(request: HttpRequest, portal: Portal) -> HttpResponse:
    """The dashboard's arrivals count, polled by htmx while the event is on."""
    return render(
        request,
        "invites/owner/_arrivals.html",
        {"portal": portal, "arrivals": _arrivals(portal, portal.group.event)},
    )


def _privacy(portal: Portal) -> dict[str, bool]:
    """Which organizer-visibility rule the portal's new invites get (the group's
    setting now) and whether some earlier invites keep another one: the rule is
    recorded on each invite when it is generated."""
    shared_now = portal.group.share_all_invites
    return {
        "shared": shared_now,
        "earlier_differ": Invite.objects.filter(portal=portal)
        .exclude(shared_with_organizer=shared_now)
        .exists(),
    }


@owner_page(["GET", "POST"])
def add_invites(request: HttpRequest, portal: Portal) -> HttpResponse:
    page_url = reverse("owner:add_invites", args=[portal.public_id])
    allocations = portal_type_allocations(portal)
    target = GenerationTarget(
        event=portal.group.event,
        portal=portal,
        actor=None,
        page_url=page_url,
        done_url=reverse("owner:dashboard", args=[portal.public_id]),
        template="invites/owner/add_invites.html",
        preview_template="invites/owner/csv_preview.html",
        context={
            "portal": portal,
            "event": portal.group.event,
            "group": portal.group,
            "invite_credits_available": balances(portal.organization).invite > 0,
            "form_action": page_url,
            "allocations": allocations if len(allocations) > 1 else [],
            # Per type, what a blank-links count starts at once the type is
            # picked (static/js/blank-count.js).
            "blank_remaining": {
                allocation.code: min(allocation.remaining, MAX_BLANK_LINKS)
                for allocation in allocations
            }
            if len(allocations) > 1
            else None,
        },
        setup=portal_setup(portal, allocations),
    )
    return generation_page(request, target)


@owner_page(["GET", "POST"])
def edit_invite(request: HttpRequest, portal: Portal, invite_id: str) -> HttpResponse:
    """Correct an unsent invite's guest details (the owner's own invites only)."""
    invite = get_object_or_404(Invite, portal=portal, public_id=invite_id, parent__isnull=True)
    form = InviteDetailsForm(request.POST or None, invite=invite)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_invite_details(
                invite,
                guest_name=data["name"],
                guest_email=data["email"],
                tags=data["tags"],
                label=data["label"],
            )
        except InviteNotEditable as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, gettext("The invite was updated."))
            return redirect("owner:dashboard", portal.public_id)
    return render(
        request,
        "invites/owner/edit_invite.html",
        {"portal": portal, "event": portal.group.event, "invite": invite, "form": form},
        status=422 if form.errors else 200,
    )


@owner_page(["POST"])
def revoke(request: HttpRequest, portal: Portal, invite_id: str) -> HttpResponse:
    invite = get_object_or_404(Invite, portal=portal, public_id=invite_id)
    try:
        revoke_invite(invite)
    except InviteNotRevocable as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext(
                "The invite for %(guest)s was revoked: its place is back in your allocation. "
                "The invite credit it used is not returned."
            )
            % {"guest": invite},
        )
    return redirect("owner:dashboard", portal.public_id)


@owner_page(["GET"])
def export_invites(request: HttpRequest, portal: Portal) -> StreamingHttpResponse:
    invites = Invite.objects.filter(portal=portal).order_by("created_at", "id")
    return portal_invites_csv(
        invites,
        event=portal.group.event,
        filename=f"invites-{portal.group.event.slug}-{portal.public_id}.csv",
        link=absolute_url,
    )


@require_POST
def sign_out(request: HttpRequest, public_id: str) -> HttpResponse:
    sign_out_owner(request, public_id)
    messages.info(
        request, gettext("You're signed out of the portal. Use your portal link to come back.")
    )
    return redirect("owner:signed_out")


def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "invites/owner/signed_out.html")


@owner_page(["GET", "POST"])
def sender(request: HttpRequest, portal: Portal) -> HttpResponse:
    """The name the portal's invite emails come from, with a preview of the From line."""
    form = SenderNameForm(request.POST or None, initial={"sender_name": portal.sender_name})
    if request.method == "POST" and form.is_valid():
        try:
            set_sender_name(portal, sender_name=form.cleaned_data["sender_name"])
        except PortalRevoked as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, gettext("Sender name saved."))
            return redirect("owner:sender", portal.public_id)
    return render(
        request,
        "invites/owner/sender.html",
        {
            "portal": portal,
            "event": portal.group.event,
            "group": portal.group,
            "form": form,
            "from_preview": from_preview(portal),
        },
        status=422 if form.errors else 200,
    )


@owner_page(["POST"])
def language(request: HttpRequest, portal: Portal) -> HttpResponse:
    """The owner's language switch: stored on the portal, so their pages and the
    emails to them follow it (an unknown code changes nothing). Back to the
    owner page it was posted from."""
    chosen = recognized(request.POST.get("language"))
    if chosen and not portal.is_revoked:
        set_owner_language(portal, chosen)
    response = redirect(safe_next(portal, request.POST.get("next")))
    if chosen:
        set_language_cookie(response, chosen)
    return response
