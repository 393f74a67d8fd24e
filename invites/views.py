"""The guest's invite page, and the organizer's guest list and own invites."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from artsvp.secret_pages import mark_private, secret_link_page, throttle_link_lookup
from events.access import access_event
from events.models import Event
from invites.exports import organizer_invites_csv
from invites.forms import GuestListFilterForm, RsvpForm
from invites.generate_views import (
    GenerationTarget,
    generation_page,
    organizer_credits_message,
    organizer_setup,
)
from invites.models import Invite
from invites.sending import with_delivery_status
from invites.services import (
    EventFull,
    GuestDetailsRequired,
    InviteNotRevocable,
    InviteRevoked,
    PlusOnesExceeded,
    RsvpClosed,
    record_open,
    respond,
    revoke_invite,
    rsvp_closed_reason,
)
from organizations.access import OrganizationRequest, organization_view
from portals.models import Portal

GUESTS_PER_PAGE = 50


# --- The guest ----------------------------------------------------------------------


@secret_link_page
@require_http_methods(["GET", "POST"])
def guest_page(request: HttpRequest, token: str) -> HttpResponse:
    limited = throttle_link_lookup(request, "invite-link")
    if limited:
        return limited
    invite = get_object_or_404(
        Invite.objects.select_related("event", "portal", "organization"), token=token
    )
    event = invite.event
    if invite.status == Invite.Status.REVOKED:
        return render(
            request, "invites/revoked.html", {"invite": invite, "event": event}, status=410
        )
    if request.method == "GET":
        record_open(invite)

    closed_reason = rsvp_closed_reason(event)
    form = RsvpForm(request.POST or None, invite=invite)
    status = 200
    if request.method == "POST" and not closed_reason and form.is_valid():
        try:
            respond(
                invite,
                accept=form.accept,
                plus_ones=form.cleaned_data.get("plus_ones") or 0,
                name=form.cleaned_data.get("name"),
                email=form.cleaned_data.get("email"),
            )
        except InviteRevoked:
            return render(
                request, "invites/revoked.html", {"invite": invite, "event": event}, status=410
            )
        except RsvpClosed as error:
            closed_reason = error.reason
        except (PlusOnesExceeded, GuestDetailsRequired, EventFull) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "Thank you, we've saved your answer."
                if form.accept
                else "Thank you for letting us know.",
            )
            return redirect("invites:guest", token)
    if request.method == "POST" and (form.errors or closed_reason):
        status = 422
    return render(
        request,
        "invites/guest.html",
        {
            "invite": invite,
            "event": event,
            "host": invite.portal.name if invite.portal is not None else invite.organization.name,
            "form": form,
            "closed_reason": closed_reason,
            "answered": invite.status in (Invite.Status.ACCEPTED, Invite.Status.DECLINED),
        },
        status=status,
    )


# --- The organizer ----------------------------------------------------------------------


def _guest_list_filters(
    request: OrganizationRequest, event: Event
) -> tuple[GuestListFilterForm, QuerySet[Invite]]:
    portals = list(
        Portal.objects.filter(organization=request.organization, group__event=event)
        .order_by("name")
        .values_list("public_id", "name")
    )
    form = GuestListFilterForm(request.GET or None, portals=portals)
    invites = (
        Invite.objects.filter(organization=request.organization, event=event)
        .visible_to_organizer()
        .select_related("portal", "batch")
    )
    if form.is_valid():
        source = form.cleaned_data["source"]
        if source == "organizer":
            invites = invites.filter(portal__isnull=True)
        elif source:
            invites = invites.filter(portal__public_id=source)
        if form.cleaned_data["status"]:
            invites = invites.filter(status=form.cleaned_data["status"])
    return form, invites


@organization_view
def guest_list(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    filters, invites = _guest_list_filters(request, event)
    counts = invites.aggregate(
        invited=Count("id", filter=~Q(status=Invite.Status.REVOKED)),
        accepted=Count("id", filter=Q(status=Invite.Status.ACCEPTED)),
        plus_ones=Sum("plus_ones", filter=Q(status=Invite.Status.ACCEPTED), default=0),
        declined=Count("id", filter=Q(status=Invite.Status.DECLINED)),
    )
    page = Paginator(
        with_delivery_status(invites.order_by("-created_at", "-id")), GUESTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    rows = [
        {
            "invite": invite,
            # A portal's links belong to its owner (Invite.organizer_holds_link).
            "link": request.build_absolute_uri(invite.path) if invite.organizer_holds_link else "",
        }
        for invite in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    private_groups = list(
        event.portal_groups.filter(share_all_invites=False).values_list("name", flat=True)
    )
    response = render(
        request,
        "invites/guest_list.html",
        {
            "event": event,
            "filters": filters,
            "page": page,
            "rows": rows,
            "counts": counts,
            "attending": counts["accepted"] + counts["plus_ones"],
            "filter_query": query.urlencode(),
            "private_groups": private_groups,
            "nav_section": "events",
        },
    )
    # The page lists the organizer's invite links.
    return mark_private(response)


@organization_view
def guest_list_csv(request: OrganizationRequest, event_slug: str) -> StreamingHttpResponse:
    event = access_event(request.organization, event_slug)
    _, invites = _guest_list_filters(request, event)
    base = request.build_absolute_uri("/").rstrip("/")
    response = organizer_invites_csv(
        invites.order_by("created_at", "id"),
        filename=f"guests-{event.slug}.csv",
        link=lambda invite: base + invite.path,
    )
    return mark_private(response)


@organization_view
@require_http_methods(["GET", "POST"])
def organizer_generate(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    org_slug = request.organization.slug
    page_url = reverse("invites:organizer_generate", args=[org_slug, event.slug])
    target = GenerationTarget(
        event=event,
        portal=None,
        actor=request.user,
        page_url=page_url,
        done_url=reverse("invites:guest_list", args=[org_slug, event.slug]) + "?source=organizer",
        template="invites/organizer_generate.html",
        preview_template="invites/organizer_csv_preview.html",
        context={"event": event, "nav_section": "events", "form_action": page_url},
        credits_message=organizer_credits_message(reverse("billing:billing", args=[org_slug])),
        setup=organizer_setup(event),
    )
    return generation_page(request, target)


@organization_view
@require_POST
def organizer_revoke(request: OrganizationRequest, event_slug: str, invite_id: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    invite = get_object_or_404(
        Invite,
        organization=request.organization,
        event=event,
        portal__isnull=True,
        public_id=invite_id,
    )
    try:
        revoke_invite(invite, actor=request.user)
    except InviteNotRevocable as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The invite for {invite} was revoked.")
    return redirect(
        reverse("invites:guest_list", args=[request.organization.slug, event.slug])
        + "?source=organizer"
    )
