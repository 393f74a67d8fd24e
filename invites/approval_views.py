"""The organizer approves or declines an answer that waits for approval (POST only).

Both come back to the event's guest list, filtered to the answers still
waiting, with the outcome as a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from events.access import access_event
from invites.answers import EventFull, WindowFull
from invites.approvals import AnswerChanged, NotPending, approve, decline_pending
from invites.models import Invite
from organizations.access import OrganizationRequest, organization_view


def _pending_answer(request: OrganizationRequest, event_slug: str, invite_id: str) -> Invite:
    """An invite of the organization's event the organizer may see; 404 otherwise."""
    event = access_event(request.organization, event_slug)
    return get_object_or_404(
        Invite.objects.filter(organization=request.organization, event=event)
        .visible_to_organizer()
        .select_related("event"),
        public_id=invite_id,
    )


def _back(request: OrganizationRequest, invite: Invite) -> HttpResponse:
    return redirect(
        reverse("invites:guest_list", args=[request.organization.slug, invite.event.slug])
        + "?status=pending"
    )


@organization_view(event_managers=True)
@require_POST
def approve_answer(request: OrganizationRequest, event_slug: str, invite_id: str) -> HttpResponse:
    invite = _pending_answer(request, event_slug, invite_id)
    try:
        approve(invite, actor=request.user)
    except (NotPending, AnswerChanged, WindowFull, EventFull) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("%(guest)s is approved and has been emailed.") % {"guest": invite},
        )
    return _back(request, invite)


@organization_view(event_managers=True)
@require_POST
def decline_answer(request: OrganizationRequest, event_slug: str, invite_id: str) -> HttpResponse:
    invite = _pending_answer(request, event_slug, invite_id)
    try:
        decline_pending(invite, actor=request.user)
    except NotPending as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("%(guest)s is declined and has been emailed.") % {"guest": invite},
        )
    return _back(request, invite)
