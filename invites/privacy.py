"""Who receives what a guest (or a portal's future owner) types: the one home
of the privacy notice every such form shows (templates/includes/_privacy_notice.html,
through `{% privacy_notice %}` in invites/templatetags/privacy_tags.py).

The rule it states is the one the pages apply (invites/models.py,
`Invite.objects.visible_to_organizer()`): a portal's guest's details belong to
the portal (the exhibitor); the organizer sees them once the guest accepts
(or waits for approval), or at once when the invite was generated while its
group shared every invite (`shared_with_organizer`, copied to each answer of
a multi-use link). The organizer's own invites are the organizer's. An
address typed to claim a portal goes to the organizer as the portal's owner
address. The organizer's privacy policy is the one of the brand in force
(events/brand.py), when they set one.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.brand import brand_for_event
from events.models import Event
from invites.models import Invite
from portals.models import Portal

# Who sees a guest's details beside the one who receives them.
ORGANIZER_RECEIVES = "organizer_receives"  # the organizer's own invite, or a portal claim
ORGANIZER_SEES_ALWAYS = "organizer_sees_always"
ORGANIZER_SEES_ON_ACCEPT = "organizer_sees_on_accept"


@dataclass(frozen=True)
class PrivacyNotice:
    event: Event
    organizer: str
    # Who receives the details: the exhibitor's portal name, or the organizer.
    recipient: str
    rule: str
    privacy_url: str = ""
    # A portal's owner address (the claim form), rather than a guest's details.
    claim: bool = False

    @property
    def exhibitor_receives(self) -> bool:
        return self.rule != ORGANIZER_RECEIVES

    @property
    def organizer_sees_always(self) -> bool:
        return self.rule == ORGANIZER_SEES_ALWAYS


def _privacy_url(event: Event) -> str:
    return brand_for_event(event).privacy_url


def guest_notice(invite: Invite) -> PrivacyNotice:
    """What the guest page's (or a shared link's) form says about the details typed in it."""
    event, organizer = invite.event, invite.organization.name
    if invite.portal is None:
        rule, recipient = ORGANIZER_RECEIVES, organizer
    else:
        recipient = invite.portal.name
        rule = ORGANIZER_SEES_ALWAYS if invite.shared_with_organizer else ORGANIZER_SEES_ON_ACCEPT
    return PrivacyNotice(
        event=event,
        organizer=organizer,
        recipient=recipient,
        rule=rule,
        privacy_url=_privacy_url(event),
    )


def claim_notice(portal: Portal) -> PrivacyNotice:
    """What the portal claim form says about the owner address typed in it."""
    event, organizer = portal.event, portal.organization.name
    return PrivacyNotice(
        event=event,
        organizer=organizer,
        recipient=organizer,
        rule=ORGANIZER_RECEIVES,
        privacy_url=_privacy_url(event),
        claim=True,
    )
