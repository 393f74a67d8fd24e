"""Reach an organization's invites, for the organizer pages and the API alike.

An organizer sees what the portal groups let them see
(`Invite.objects.visible_to_organizer()`) and every invite made through the API.
A missing invite and another organization's are both a 404, which the API
answers as its JSON `not_found`. An event manager's request sees only the
invites of the events granted to them (`organizations.access.event_scope()`).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from artsvp.ids import is_public_id
from invites.models import Invite, InviteBatch
from organizations.access import event_scope
from organizations.models import Organization


def visible_invites(organization: Organization) -> QuerySet[Invite]:
    invites = Invite.objects.filter(organization=organization)
    scope = event_scope()
    if scope is not None:
        invites = invites.filter(event_id__in=scope)
    return invites.visible_to_organizer() | invites.filter(batch__method=InviteBatch.Method.API)


def access_invite(organization: Organization, public_id: str) -> Invite:
    invites = visible_invites(organization).select_related(
        "event", "portal", "batch", "invite_type", "entry_window"
    )
    invite = invites.filter(public_id=public_id).first() if is_public_id(public_id) else None
    if invite is None:
        raise Http404("No such invite.")
    return invite
