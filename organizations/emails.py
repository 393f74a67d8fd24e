"""The team invitation email, sent by the outbox.

Its delivery stores the invitation's id: the email carries the invitation's
current link (resending replaces the token), and an invitation cancelled or
accepted before the worker got to it is not sent.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from deliveries.models import Delivery
from deliveries.rendering import SkipDelivery, email_context
from organizations.models import INVITATION_VALID_FOR, TeamInvitation, role_in_sentence

TEAM_INVITATION = "team-invitation"


@email_context(TEAM_INVITATION)
def team_invitation_context(delivery: Delivery) -> dict[str, Any]:
    invitation = (
        TeamInvitation.objects.select_related("organization", "invited_by")
        .filter(pk=delivery.context.get("invitation_id"), accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        raise SkipDelivery("The invitation was cancelled or accepted before it was sent.")
    inviter = invitation.invited_by
    return {
        "organization": invitation.organization,
        "role": role_in_sentence(invitation.role),
        "inviter_email": inviter.email if inviter else "",
        "accept_url": reverse("organizations:invitation", args=[invitation.token]),
        "valid_days": INVITATION_VALID_FOR.days,
    }
