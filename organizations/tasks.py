"""Background work for organizations: team invitation emails."""

from __future__ import annotations

from celery import shared_task
from django.urls import reverse

from artsvp.emails import send_email
from organizations.models import TeamInvitation
from organizations.services import INVITATION_VALID_FOR


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_team_invitation(invitation_id: int) -> None:
    """Email the invitation link; a cancelled or accepted invitation is not sent."""
    invitation = (
        TeamInvitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return
    inviter = invitation.invited_by
    send_email(
        "team-invitation",
        invitation.email,
        {
            "organization": invitation.organization,
            "role": invitation.get_role_display(),
            "inviter_email": inviter.email if inviter else "",
            "accept_url": reverse("organizations:invitation", args=[invitation.token]),
            "valid_days": INVITATION_VALID_FOR.days,
        },
        reply_to=inviter.email if inviter and inviter.email else None,
    )
