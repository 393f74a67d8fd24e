"""Event staff: who may work an event without being on the team, and until when.

The rules (one home; organizations/access.py and door/access.py apply them):

- Two restricted roles (organizations/models.py, `Membership.is_restricted`).
  `check_in` staff reach ONLY the door page(s) and guest search of their
  granted events (views marked `@organization_view(staff=True)` that call
  `door_access`) and their landing page (`/o/<org>/`: their events' doors).
  `event_manager`s run their granted events: the event page, its windows,
  types, groups, portals, guest list and its actions, and the door as a
  supervisor (views marked `event_managers=True`, whose access helpers reach
  only the granted events). Neither gets billing, credits, the team, API
  keys, the organization's settings, event creation or archiving, this staff
  page, or any other event: all of those answer 404, as if they did not exist.
- A grant (door/models.py EventGrant) opens one event until `expires_at`;
  by default the end of the day after the event ends, in the event's time
  zone (`default_expiry`). Active means: not revoked, not expired, on an
  event that is not archived. It is read on every request, never cached, so
  a revoked or expired grant stops at the member's next request. A member
  left with no active grant in the organization is signed out at their next
  request to any of its pages and sent to the sign-in page with a message
  (organizations/access.py): removing access ends their sessions.
- A check-in grant may be limited to one portal of the event: the door then
  shows only that portal's guests (`DoorAccess.portal_id`). Event managers run
  the whole event: their grants carry no portal.
- At most one active grant per event and email. Granting is for team members
  (owners, admins, members) on the event's staff page; a team member needs
  no grant (they already reach every event) and is refused.
- Whom a grant goes to: an account already on the team as event staff gets
  the grant (and their role changes if no other grant holds them to the old
  one); an account not in the organization becomes event staff; an address
  with no account gets a team invitation with the restricted role and a
  pending grant (`membership` empty, `email` set) that is attached when they
  accept it (organizations/hooks.py `on_member_joined`). Accounts are emailed
  a link to the door; invitations send the team invitation email.

Locks: every write here runs under the organization's row lock (FOR NO KEY
UPDATE, as organizations/services.py takes it), so two grants for one address
cannot both pass the one-active-grant check, and a grant racing the
invitation's acceptance sees it wholly before or after. Grant rows are only
ever written under that lock, so they are never row-locked themselves and
need no place in artsvp/locks.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext

from artsvp.locks import lock_existing_row, locking_transaction
from deliveries.services import queue_email
from door.access import active_grants
from door.models import EventGrant
from events.models import Event
from organizations.models import Membership, Organization, TeamInvitation
from organizations.preferences import user_language
from organizations.services import (
    TeamError,
    add_staff_member,
    cancel_invitation,
    change_role,
    invite_teammate,
    is_expired,
)
from portals.models import Portal

STAFF_ACCESS = "door-staff-access"

STAFF_ROLES = (Membership.Role.CHECK_IN, Membership.Role.EVENT_MANAGER)


class GrantError(Exception):
    """A grant that is refused; `field` names the form field the message belongs to."""

    field = "email"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class AlreadyOnTeam(GrantError):
    def __init__(self, email: str) -> None:
        super().__init__(
            gettext("%(email)s is on the team: they already reach every event.") % {"email": email}
        )


class AlreadyGranted(GrantError):
    def __init__(self, email: str) -> None:
        super().__init__(
            gettext("%(email)s already has access to this event. Revoke it first to change it.")
            % {"email": email}
        )


class RoleConflict(GrantError):
    def __init__(self, email: str, role: str) -> None:
        super().__init__(
            gettext(
                "%(email)s works as %(role)s on other events of this organization: "
                "give them the same role, or revoke those grants first."
            )
            % {"email": email, "role": role}
        )


class InvitedToTeam(GrantError):
    def __init__(self, email: str) -> None:
        super().__init__(
            gettext(
                "%(email)s has an open invitation to the team: once they join they reach "
                "every event."
            )
            % {"email": email}
        )


class NotAStaffRole(GrantError):
    field = "role"

    def __init__(self) -> None:
        super().__init__(gettext("Choose check-in or event manager."))


class PortalNotOfEvent(GrantError):
    field = "portal"

    def __init__(self) -> None:
        super().__init__(gettext("Choose a portal of this event."))


class PortalLimitForCheckInOnly(GrantError):
    field = "portal"

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "Only check-in staff can be limited to one portal: event managers run all of it."
            )
        )


class ExpiryInPast(GrantError):
    field = "expires_on"

    def __init__(self) -> None:
        super().__init__(gettext("Choose a day that has not ended yet."))


class GrantRevoked(GrantError):
    field = "expires_on"

    def __init__(self) -> None:
        super().__init__(gettext("This access was revoked: grant it again instead."))


# --- Times ----------------------------------------------------------------------------


def expiry_for_date(event: Event, day: dt.date) -> dt.datetime:
    """The end of `day` in the event's time zone (the midnight that follows it)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=event.tz)


def default_expiry_date(event: Event) -> dt.date:
    """The day after the event ends, in its time zone."""
    return event.local_ends_at.date() + dt.timedelta(days=1)


def default_expiry(event: Event) -> dt.datetime:
    """A grant's default end: the end of the day after the event ends, in its time zone."""
    return expiry_for_date(event, default_expiry_date(event))


def last_day(event: Event, expires_at: dt.datetime) -> dt.date:
    """The last day of access, in the event's time zone (the form's date)."""
    return (expires_at.astimezone(event.tz) - dt.timedelta(microseconds=1)).date()


def access_end(event: Event, expires_at: dt.datetime) -> str:
    """When access ends, to follow "until": "the end of Tue 6 Oct 2031", or the
    exact time (with its zone) when an end was set at another hour."""
    local = expires_at.astimezone(event.tz)
    if local.time() == dt.time(0):
        day = formats.date_format(last_day(event, expires_at), "D j M Y")
        return gettext("the end of %(day)s") % {"day": day}
    return dateformat.format(local, "D j M Y, H:i T")


def door_path(event: Event) -> str:
    """The event's door page (door:door, `/o/<org>/events/<slug>/door/`)."""
    return f"/o/{event.organization.slug}/events/{event.slug}/door/"


# --- Reading --------------------------------------------------------------------------


def granted_event_ids(membership: Membership) -> frozenset[int]:
    """The events the membership's active grants open now (archived events open none)."""
    return frozenset(
        active_grants(membership)
        .filter(event__archived_at__isnull=True)
        .values_list("event_id", flat=True)
    )


def _open(grants: QuerySet[EventGrant]) -> QuerySet[EventGrant]:
    return grants.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def open_grant(event: Event, email: str) -> EventGrant | None:
    """The event's grant for `email` that is neither revoked nor expired (at most one)."""
    return _open(event.grants.filter(email__iexact=email.strip())).first()


@dataclass(frozen=True)
class GrantRow:
    grant: EventGrant
    # active, pending (waiting for them to join), expired, revoked
    status: str
    ends: str
    last_day: dt.date


def grant_rows(event: Event) -> list[GrantRow]:
    """Every grant of the event, open ones first, for the staff page."""
    now = timezone.now()
    rows = []
    grants = event.grants.select_related("membership__user", "portal").order_by(
        "-revoked_at", "email", "-created_at"
    )
    for grant in grants:
        if grant.revoked_at is not None:
            status = "revoked"
        elif grant.expires_at <= now:
            status = "expired"
        elif grant.membership_id is None:
            status = "pending"
        else:
            status = "active"
        rows.append(
            GrantRow(
                grant=grant,
                status=status,
                ends=access_end(event, grant.expires_at),
                last_day=last_day(event, grant.expires_at),
            )
        )
    order = {"active": 0, "pending": 0, "expired": 1, "revoked": 2}
    return sorted(rows, key=lambda row: order[row.status])


def grant_summary(grant: EventGrant) -> str:
    """One line for the team page: the event, the portal limit, until when."""
    until = access_end(grant.event, grant.expires_at)
    if grant.portal is not None:
        return gettext("%(event)s (%(portal)s's guests), until %(until)s") % {
            "event": grant.event.name,
            "portal": grant.portal.name,
            "until": until,
        }
    return gettext("%(event)s, until %(until)s") % {"event": grant.event.name, "until": until}


def staff_summaries(organization: Organization) -> Mapping[int, list[str]]:
    """Per restricted membership id, its active grants as lines for the team page."""
    grants = (
        _open(EventGrant.objects.filter(organization=organization, membership__isnull=False))
        .select_related("event", "portal")
        .order_by("event__starts_at", "event__name")
    )
    summaries: dict[int, list[str]] = {}
    for grant in grants:
        assert grant.membership_id is not None
        summaries.setdefault(grant.membership_id, []).append(grant_summary(grant))
    return summaries


def my_grants(membership: Membership) -> list[EventGrant]:
    """A restricted member's active grants, for their landing page."""
    return list(
        active_grants(membership)
        .filter(event__archived_at__isnull=True)
        .select_related("event__organization", "portal")
        .order_by("event__starts_at", "event__name")
    )


# --- Writing --------------------------------------------------------------------------


def _lock_organization(organization_id: int) -> Organization:
    return lock_existing_row(Organization.objects.filter(pk=organization_id), no_key=True)


def _user_with_email(email: str) -> Any:
    """The account whose address (or a verified address of theirs) is `email`."""
    users = get_user_model().objects
    user = users.filter(email__iexact=email).order_by("pk").first()
    if user is not None:
        return user
    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .first()
    )
    return address.user if address is not None else None


def _open_invitation(organization: Organization, email: str) -> TeamInvitation | None:
    invitation = organization.team_invitations.filter(
        email__iexact=email, accepted_at__isnull=True
    ).first()
    return invitation if invitation is not None and not is_expired(invitation) else None


def grant_event_access(
    event: Event,
    *,
    email: str,
    role: str,
    portal: Portal | None = None,
    expires_at: dt.datetime | None = None,
    granted_by: Any,
) -> EventGrant:
    """Let `email` work `event` as `role` (check-in or event manager) until `expires_at`
    (default: the end of the day after the event). See the module docstring for
    whom it goes to; refusals raise a GrantError naming the form field."""
    email = email.strip()
    if role not in STAFF_ROLES:
        raise NotAStaffRole()
    role = Membership.Role(role)
    if portal is not None:
        if role != Membership.Role.CHECK_IN:
            raise PortalLimitForCheckInOnly()
        if not Portal.objects.filter(
            pk=portal.pk, organization_id=event.organization_id, group__event=event
        ).exists():
            raise PortalNotOfEvent()
    expires_at = expires_at or default_expiry(event)
    if expires_at <= timezone.now():
        raise ExpiryInPast()
    with locking_transaction():
        # Two grants for one address at once: the second waits here and sees the first.
        organization = _lock_organization(event.organization_id)
        if open_grant(event, email) is not None:
            raise AlreadyGranted(email)
        user = _user_with_email(email)
        membership = organization.memberships.filter(user=user).first() if user else None
        if membership is not None and not membership.is_restricted:
            raise AlreadyOnTeam(email)
        invitation = _open_invitation(organization, email) if membership is None else None
        if invitation is not None and invitation.role not in STAFF_ROLES:
            # Made event staff now, they would keep that role when they accept
            # (an invitation never changes an existing member's role).
            raise InvitedToTeam(email)
        if membership is not None and membership.role != role:
            if active_grants(membership).exists():
                raise RoleConflict(email, membership.get_role_display().lower())
            membership = change_role(membership, role=role)
        if membership is None and user is not None:
            membership = add_staff_member(organization, user=user, role=role)
        if user is None:
            _invite(invitation, organization, email=email, role=role, invited_by=granted_by)
        grant = EventGrant.objects.create(
            organization=organization,
            event=event,
            membership=membership,
            email=email,
            portal=portal,
            expires_at=expires_at,
            created_by=granted_by,
        )
        if membership is not None:
            queue_email(
                STAFF_ACCESS,
                to=membership.user.email or email,
                context={"grant_id": grant.pk},
                organization=organization,
                about=grant,
                language=user_language(membership.user),
            )
    return grant


def _invite(
    invitation: TeamInvitation | None,
    organization: Organization,
    *,
    email: str,
    role: str,
    invited_by: Any,
) -> None:
    """A team invitation with the restricted role, unless one (`invitation`) is already open."""
    if invitation is not None:
        if invitation.role != role:
            raise RoleConflict(email, invitation.get_role_display().lower())
        # Their invitation is on its way: this grant waits for it too.
        return
    try:
        invite_teammate(organization, email=email, role=role, invited_by=invited_by)
    except TeamError as error:
        raise GrantError(str(error)) from error


def revoke_grant(grant: EventGrant, *, actor: Any) -> EventGrant:
    """End a grant now; its holder's next request no longer reaches the event.

    Revoking the last pending grant of an address also cancels its staff
    invitation: there would be nothing left to join for.
    """
    with locking_transaction():
        organization = _lock_organization(grant.organization_id)
        grant = EventGrant.objects.get(pk=grant.pk)
        if grant.revoked_at is not None:
            return grant
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
        if grant.membership_id is None:
            waiting = _open(
                EventGrant.objects.filter(
                    organization=organization, membership__isnull=True, email__iexact=grant.email
                )
            )
            invitation = _open_invitation(organization, grant.email)
            if not waiting.exists() and invitation is not None and invitation.role in STAFF_ROLES:
                cancel_invitation(invitation)
    return grant


def change_grant_expiry(grant: EventGrant, *, expires_at: dt.datetime, actor: Any) -> EventGrant:
    """Move a grant's end (sooner or later); a revoked grant stays revoked."""
    if expires_at <= timezone.now():
        raise ExpiryInPast()
    with locking_transaction():
        _lock_organization(grant.organization_id)
        grant = EventGrant.objects.get(pk=grant.pk)
        if grant.revoked_at is not None:
            raise GrantRevoked()
        grant.expires_at = expires_at
        grant.save(update_fields=["expires_at"])
    return grant


def attach_pending_grants(membership: Membership, invitation: TeamInvitation) -> None:
    """The grants that waited on the invitation's address now belong to the new member
    (runs under the organization's lock, in the transaction that accepts it)."""
    EventGrant.objects.filter(
        Q(email__iexact=invitation.email),
        organization_id=membership.organization_id,
        membership__isnull=True,
    ).update(membership=membership)
