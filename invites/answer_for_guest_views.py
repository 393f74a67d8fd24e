"""The organizer records a guest's answer on their behalf (a phone call, an email).

The same service as the guest's own page (invites/answers.py `respond`): the
same rules, capacity locks and refusals, shown next to the same fields; the
guest gets the same confirmation (invites/hooks.py `answer_changed`). Any
invite the organizer sees on the guest list, except revoked ones, multi-use
links (each guest answers those with their own details) and walk-ins.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from events.access import access_event
from events.models import Event
from invites.access import visible_invites
from invites.answer_forms import ANSWER_ERRORS, AnswerForGuestForm, add_answer_error
from invites.answers import (
    InviteIsALink,
    InviteRevoked,
    RsvpClosed,
    respond,
    rsvp_closed_reason,
    window_places,
)
from invites.models import Invite
from organizations.access import OrganizationRequest, organization_view

logger = logging.getLogger(__name__)


def _answerable_invite(request: OrganizationRequest, event: Event, invite_id: str) -> Invite:
    invite = (
        visible_invites(request.organization)
        .filter(event=event, public_id=invite_id)
        .select_related("event", "portal", "batch", "entry_window")
        .first()
    )
    if invite is None or invite.is_multi_use or invite.is_walk_in:
        raise Http404("No such invite.")
    return invite


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def answer_for_guest(request: OrganizationRequest, event_slug: str, invite_id: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    invite = _answerable_invite(request, event, invite_id)
    list_url = reverse("invites:guest_list", args=[request.organization.slug, event.slug])
    closed_reason = rsvp_closed_reason(event)
    windows = window_places(invite)
    form = AnswerForGuestForm(request.POST or None, invite=invite, windows=windows)
    revoked = invite.status == Invite.Status.REVOKED
    if request.method == "POST" and not closed_reason and not revoked and form.is_valid():
        try:
            answered = respond(invite, **form.respond_kwargs())
        except InviteRevoked:
            revoked = True
        except RsvpClosed as error:
            closed_reason = error.reason
        except InviteIsALink as error:
            form.add_error(None, str(error))
        except ANSWER_ERRORS as error:
            add_answer_error(form, error)
            # The places as they are now, beside the refusal.
            form.windows = windows = window_places(invite)
        else:
            # Who answered for the guest: no column holds it, the log does.
            logger.info(
                "Answer %s for invite %s recorded by user %s",
                answered.status,
                invite.public_id,
                request.user.pk,
            )
            if answered.status == Invite.Status.PENDING:
                text = gettext("%(guest)s's answer is recorded and waits for your approval.")
            elif answered.status == Invite.Status.ACCEPTED:
                text = gettext("%(guest)s is coming: their confirmation is on its way.")
            else:
                text = gettext("%(guest)s is not coming: their answer is recorded.")
            messages.success(request, text % {"guest": answered})
            return redirect(list_url)
    refused = request.method == "POST" and (form.errors or closed_reason or revoked)
    return render(
        request,
        "invites/answer_for_guest.html",
        {
            "event": event,
            "invite": invite,
            "form": form,
            "windows": windows,
            "closed_reason": closed_reason,
            "revoked": revoked,
            "list_url": list_url,
            "nav_section": "events",
        },
        status=422 if refused else 200,
    )
