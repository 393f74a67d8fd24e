"""The guest's invite page, and the organizer's own invites (guest list: guest_list_views.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from artsvp.secret_pages import secret_link_page, throttle_link_lookup
from events.access import access_event
from invites.forms import RsvpForm
from invites.generate_views import (
    GenerationTarget,
    generation_page,
    organizer_credits_message,
    organizer_setup,
)
from invites.models import Invite
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
