"""The guest's calendar file, and the organizer replacing a guest's check-in code."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from artsvp.secret_pages import secret_link_page, throttle_link_lookup
from door.calendar import build_ics
from door.guest_page import current_pass
from door.models import CheckInPass
from door.services import replace_code
from events.access import access_event
from invites.languages import serve_guest_language
from invites.models import Invite
from organizations.access import OrganizationRequest, organization_view


@secret_link_page
@require_GET
def calendar_file(request: HttpRequest, token: str) -> HttpResponse:
    """The accepted guest's calendar entry (.ics); 404 for anyone else."""
    limited = throttle_link_lookup(request, "invite-link")
    if limited:
        return limited
    invite = get_object_or_404(
        Invite.objects.select_related("event", "portal", "organization", "entry_window"),
        token=token,
    )
    serve_guest_language(request, invite)
    check_in_pass = current_pass(invite)
    if check_in_pass is None:
        raise Http404
    response = HttpResponse(
        build_ics(invite, check_in_pass, method="REQUEST"),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="invite.ics"'
    return response


@organization_view(event_managers=True)
@require_POST
def replace_check_in_code(
    request: OrganizationRequest, event_slug: str, invite_id: str
) -> HttpResponse:
    """A new check-in code for an accepted guest of the organization's event
    (the old one stops working; the guest is emailed the new one)."""
    event = access_event(request.organization, event_slug)
    invite = get_object_or_404(
        Invite.objects.filter(organization=request.organization, event=event)
        .visible_to_organizer()
        .select_related("event"),
        public_id=invite_id,
    )
    try:
        replace_code(invite, actor=request.user)
    except CheckInPass.DoesNotExist:
        messages.error(request, gettext("This guest has no check-in code: they haven't accepted."))
    else:
        messages.success(
            request,
            gettext("%(guest)s has a new check-in code and has been emailed.") % {"guest": invite},
        )
    return redirect(reverse("invites:guest_list", args=[request.organization.slug, event.slug]))
