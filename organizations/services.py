"""Writes for organizations and their teams.

Team changes that could leave an organization without an owner (changing a
role, removing a member) lock the organization row first, then count the
owners: two owners demoting each other at the same moment serialise on that
lock, and the second one sees that only one owner is left.

Locks: organization, then team invitation (artsvp/locks.py has the whole
order). The organization is locked FOR NO KEY UPDATE: every row inserted with
a foreign key to it (a membership, a delivery, a ledger entry) takes a KEY
SHARE lock on it, which a plain FOR UPDATE would make wait, so any service
inserting such a row while holding a later lock could close a cycle.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from artsvp.ids import new_secret_token
from artsvp.locks import lock_existing_row, lock_row, locking_transaction
from deliveries.services import queue_email
from organizations.emails import TEAM_INVITATION
from organizations.hooks import run_member_joined_hooks, run_organization_created_hooks
from organizations.models import (
    INVITATION_VALID_FOR,
    Membership,
    Organization,
    TeamInvitation,
)
from organizations.preferences import language_of_email

RESERVED_SLUGS = {"new", "admin", "api", "settings", "accounts", "static"}


class TeamError(Exception):
    """A team change that is refused; the message is shown to the user."""


class LastOwnerError(TeamError):
    def __init__(self) -> None:
        super().__init__(
            gettext("An organization needs at least one owner. Make someone else an owner first.")
        )


class AlreadyMemberError(TeamError):
    def __init__(self, email: str) -> None:
        super().__init__(
            gettext("%(email)s is already a member of this organization.") % {"email": email}
        )


class AlreadyInvitedError(TeamError):
    def __init__(self, email: str) -> None:
        super().__init__(
            gettext("%(email)s already has an open invitation. Resend it or cancel it below.")
            % {"email": email}
        )


class InvitationEmailMismatchError(TeamError):
    def __init__(self, invited: str) -> None:
        super().__init__(
            gettext("This invitation was sent to %(email)s. Log in with that address to accept it.")
            % {"email": invited}
        )


class InvitationCancelledError(TeamError):
    """An owner asked to resend an invitation another owner had just cancelled."""

    def __init__(self) -> None:
        super().__init__(gettext("This invitation was cancelled in the meantime."))


class InvitationWithdrawnError(TeamError):
    def __init__(self) -> None:
        super().__init__(
            gettext(
                "This invitation link no longer works: it was cancelled or sent again. "
                "Use the newest invitation email, or ask an owner to invite you."
            )
        )


class InvitationExpiredError(TeamError):
    def __init__(self) -> None:
        super().__init__(
            gettext("This invitation has expired. Ask an owner to send you a new one.")
        )


def unique_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "org"
    if base in RESERVED_SLUGS:
        base = f"{base}-org"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def create_organization(name: str, *, owner: Any) -> Organization:
    """Create an organization with `owner` as its first owner.

    The apps above add their own rows through the organization-created hooks
    (credits: empty credit accounts), in the same transaction.
    """
    name = name.strip()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                organization = Organization.objects.create(name=name, slug=unique_slug(name))
                Membership.objects.create(
                    organization=organization, user=owner, role=Membership.Role.OWNER
                )
                run_organization_created_hooks(organization)
                return organization
        except IntegrityError:
            # Another organization took the slug between our check and insert.
            continue
    raise IntegrityError("Could not find a free slug for this organization name.")


def rename_organization(organization: Organization, *, name: str) -> Organization:
    """Change the display name; the slug stays, so bookmarked links keep working."""
    organization.name = name.strip()
    organization.save(update_fields=["name"])
    return organization


def _lock_organization(organization: Organization | int) -> Organization:
    pk = organization if isinstance(organization, int) else organization.pk
    return lock_existing_row(Organization.objects.filter(pk=pk), no_key=True)


def _lock_invitation(invitation: TeamInvitation) -> TeamInvitation | None:
    """Lock the organization, then the invitation (None once it was cancelled)."""
    organization_id = (
        TeamInvitation.objects.filter(pk=invitation.pk)
        .values_list("organization_id", flat=True)
        .first()
    )
    if organization_id is None:
        return None
    _lock_organization(organization_id)
    return lock_row(TeamInvitation.objects.select_related("organization").filter(pk=invitation.pk))


def _owner_count(organization: Organization) -> int:
    return organization.memberships.filter(role=Membership.Role.OWNER).count()


def change_role(membership: Membership, *, role: str) -> Membership:
    """Give a member another role; refuses to demote the last owner."""
    role = Membership.Role(role)
    with locking_transaction():
        _lock_organization(membership.organization)
        # Re-read under the lock: the role may have changed since the page was shown.
        membership = Membership.objects.select_related("organization", "user").get(pk=membership.pk)
        if membership.role == role:
            return membership
        if membership.is_owner and _owner_count(membership.organization) <= 1:
            raise LastOwnerError()
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def remove_member(membership: Membership) -> None:
    """Take someone off the team (or let them leave); the last owner cannot go."""
    with locking_transaction():
        _lock_organization(membership.organization)
        current = Membership.objects.filter(pk=membership.pk).first()
        if current is None:
            return
        membership = current
        if membership.is_owner and _owner_count(membership.organization) <= 1:
            raise LastOwnerError()
        membership.delete()


def add_staff_member(organization: Organization, *, user: Any, role: str) -> Membership:
    """Make `user` event staff (a restricted role) of the organization, or return
    their membership if they already have one (whatever its role).

    Their events come with grants (door/staff.py, which calls this under the
    organization's lock).
    """
    role = Membership.Role(role)
    if role not in {Membership.Role.EVENT_MANAGER, Membership.Role.CHECK_IN}:
        raise ValueError(f"{role} is a team role, not an event staff role.")
    with locking_transaction():
        _lock_organization(organization)
        membership, _created = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": role}
        )
    return membership


def is_expired(invitation: TeamInvitation) -> bool:
    return invitation.created_at + INVITATION_VALID_FOR < timezone.now()


def invite_teammate(
    organization: Organization, *, email: str, role: str, invited_by: Any
) -> TeamInvitation:
    """Invite `email` to the team with `role`; the email with the link is sent after commit."""
    email = email.strip()
    role = Membership.Role(role)
    with locking_transaction():
        _lock_organization(organization)
        if organization.memberships.filter(user__email__iexact=email).exists():
            raise AlreadyMemberError(email)
        open_invitation = organization.team_invitations.filter(
            email__iexact=email, accepted_at__isnull=True
        ).first()
        if open_invitation is not None:
            if not is_expired(open_invitation):
                raise AlreadyInvitedError(open_invitation.email)
            # An expired invitation is replaced by the new one, not kept alongside.
            open_invitation.delete()
        invitation = TeamInvitation.objects.create(
            organization=organization, email=email, role=role, invited_by=invited_by
        )
        _queue_invitation_email(invitation)
    return invitation


def resend_invitation(invitation: TeamInvitation, *, invited_by: Any) -> TeamInvitation:
    """Send an open invitation again with a new link; the old link stops working."""
    with locking_transaction():
        locked = _lock_invitation(invitation)
        if locked is None:
            raise InvitationCancelledError()
        invitation = locked
        if invitation.accepted_at is not None:
            return invitation
        invitation.token = new_secret_token()
        invitation.created_at = timezone.now()
        invitation.invited_by = invited_by
        invitation.save(update_fields=["token", "created_at", "invited_by"])
        _queue_invitation_email(invitation)
    return invitation


def _queue_invitation_email(invitation: TeamInvitation) -> None:
    inviter = invitation.invited_by
    queue_email(
        TEAM_INVITATION,
        to=invitation.email,
        context={"invitation_id": invitation.pk},
        organization=invitation.organization,
        # A reply reaches whoever sent the invitation.
        reply_to=inviter.email if inviter and inviter.email else None,
        # Someone who already has an account reads their own language.
        language=language_of_email(invitation.email),
    )


def cancel_invitation(invitation: TeamInvitation) -> None:
    """Withdraw an open invitation: its link stops working at once."""
    TeamInvitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).delete()


def user_has_email(user: Any, email: str) -> bool:
    """The account's own address, or another address of theirs that they verified."""
    email = email.strip().lower()
    if (user.email or "").strip().lower() == email:
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def accept_invitation(invitation: TeamInvitation, *, user: Any) -> Membership:
    """Join the team as invited; accepting again changes nothing.

    Someone who is already a member keeps their current role: an invitation
    never demotes anyone.
    """
    link_token = invitation.token
    with locking_transaction():
        # Two clicks on "Accept" at once: the second waits here and sees the
        # first's result; a cancel or resend at the same moment comes wholly
        # before or after.
        locked = _lock_invitation(invitation)
        if locked is None:
            raise InvitationWithdrawnError()
        invitation = locked
        organization = invitation.organization
        if invitation.accepted_at is not None:
            existing = organization.memberships.filter(user=user).first()
            if existing is not None:
                return existing
            raise TeamError(gettext("This invitation has already been used."))
        if invitation.token != link_token:
            # Resent meanwhile: the link this user opened no longer works.
            raise InvitationWithdrawnError()
        if not user_has_email(user, invitation.email):
            raise InvitationEmailMismatchError(invitation.email)
        if is_expired(invitation):
            raise InvitationExpiredError()
        membership, _created = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        # What waited for them (the door's pending event grants), in this transaction.
        run_member_joined_hooks(membership, invitation)
    return membership
