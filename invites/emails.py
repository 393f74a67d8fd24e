"""The invite email: the sender's own words, filled in for each guest.

An invite email carries the sender's subject and message, stored in the
outbox row's context (`subject`, `message`). That text is user input: it
never reaches the template engine (a `{% load %}` or a
`{{ settings.SECRET_KEY }}` in it stays literal text). Only the three
placeholders `{{ name }}`, `{{ event }}` and `{{ portal }}` are replaced, by
plain substitution in a single pass (a guest named "{{ event }}" stays that
name), and the result goes to the templates as a variable: autoescaped in
HTML, and the subject flattened to one line so no name or subject can add a
header.

A blank subject or message is the standard one, in the guest's language: the
event's own version in it (events/invite_texts.py), else ours, translated.
The placeholder rule lives there too: the event form checks the texts an
organizer sets per language with it.

Registered with the outbox at start-up (InvitesConfig.ready()): the context
builder reads the invite fresh when the worker sends, and the sent hook moves
the invite from created to sent in the transaction that records the send.

The organizer's decision on an answer that waited for approval (approved,
declined: invites/approvals.py) is an email of ours, not the sender's words;
it is skipped if the answer changed again before the worker sends it.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from artsvp.emails import RenderedEmail, one_line, render_email
from artsvp.links import absolute_url
from deliveries.hooks import on_sent
from deliveries.models import Delivery
from deliveries.rendering import SkipDelivery, email_context

# The placeholder rule and our standard words live a layer below (the event
# form checks an event's own invite texts with them); re-exported for the send form.
from events.invite_texts import (
    DEFAULT_INVITE_MESSAGE as DEFAULT_INVITE_MESSAGE,
)
from events.invite_texts import (
    DEFAULT_INVITE_SUBJECT as DEFAULT_INVITE_SUBJECT,
)
from events.invite_texts import (
    NAMELESS_GUEST,
    fill_placeholders,
    invite_text,
)
from events.invite_texts import (
    PLACEHOLDERS as PLACEHOLDERS,
)
from events.invite_texts import (
    unknown_placeholders as unknown_placeholders,
)
from invites.models import Invite
from portals.emails import exhibitor_sender

# The template of an invite email; its rows count against the send limit.
INVITE_TEMPLATE = "invite"


def placeholder_values(invite: Invite) -> dict[str, str]:
    # CR/LF in a name must not survive into a subject line, nor break the
    # text body's layout; names are one line by nature.
    return {
        "name": one_line(invite.guest_name) or str(NAMELESS_GUEST),
        "event": one_line(invite.event.name),
        "portal": one_line(host_name(invite)),
    }


def host_name(invite: Invite) -> str:
    """Who invites: the portal (an exhibitor, a sponsor) or the organizer."""
    return invite.portal.name if invite.portal is not None else invite.organization.name


def invite_context(invite: Invite, *, subject: str, message: str) -> dict[str, Any]:
    """A blank subject or message means the standard one (API callers omit them):
    the event's in the language in force (the guest's), else ours in it."""
    values = placeholder_values(invite)
    subject = subject or invite_text(invite.event, "invite_subject")
    message = message or invite_text(invite.event, "invite_message")
    return {
        "subject": one_line(fill_placeholders(subject, values)),
        "message": fill_placeholders(message, values).strip(),
        "invite": invite,
        "event": invite.event,
        "host_name": host_name(invite),
        "invite_url": absolute_url(invite.path),
        **invite_sender(invite),
        # Read at send time: a guest who switched since reads their new choice.
        "language": invite.guest_language,
    }


def invite_sender(invite: Invite) -> dict[str, str]:
    """Who the invite email is from. A portal's: "Galerie Nord via Basel Art
    Week", read when the worker sends, like the body's names (a portal renamed
    after the click but before the send goes out under its new name in both
    the From line and the text: the guest never sees two names for one
    sender). The organizer's: the organization, which the brand hook names."""
    if invite.portal is None:
        return {}
    return exhibitor_sender(invite.portal, organization=invite.organization)


def preview_invite_email(invite: Invite, *, subject: str, message: str) -> RenderedEmail:
    """Exactly what `invite` would receive, rendered like the real send (in its language)."""
    return render_email(
        INVITE_TEMPLATE,
        invite_context(invite, subject=subject, message=message),
        language=invite.guest_language,
    )


@email_context(INVITE_TEMPLATE)
def _invite_email_context(delivery: Delivery) -> dict[str, Any]:
    if delivery.object_id is None:
        raise SkipDelivery("The invite no longer exists.")
    invite = (
        Invite.objects.select_related("event", "portal", "organization")
        .filter(pk=delivery.object_id)
        .first()
    )
    if invite is None:
        raise SkipDelivery("The invite no longer exists.")
    if invite.status == Invite.Status.REVOKED:
        raise SkipDelivery("The invite was revoked before it was sent.")
    stored = delivery.context
    return invite_context(
        invite, subject=str(stored.get("subject", "")), message=str(stored.get("message", ""))
    )


@on_sent(INVITE_TEMPLATE)
def _mark_invite_sent(delivery: Delivery) -> None:
    # Only a created invite moves: an opened or answered one keeps its state
    # when a reminder goes.
    if delivery.object_id is None:
        return
    Invite.objects.filter(pk=delivery.object_id, status=Invite.Status.CREATED).update(
        status=Invite.Status.SENT, updated_at=timezone.now()
    )


# --- The organizer's decision on an answer that waited for approval --------------------------

ANSWER_APPROVED = "answer-approved"
ANSWER_DECLINED = "answer-declined"


def _decided_invite(delivery: Delivery, status: str) -> Invite:
    invite = (
        Invite.objects.select_related("event", "portal", "organization", "entry_window")
        .filter(pk=delivery.context.get("invite_id"))
        .first()
    )
    if invite is None:
        raise SkipDelivery("The invite no longer exists.")
    # Read at send time: a decision undone meanwhile is not announced.
    if invite.status != status:
        raise SkipDelivery("The answer changed before the email was sent.")
    return invite


def decision_context(invite: Invite) -> dict[str, Any]:
    return {
        "invite": invite,
        "event": invite.event,
        "window": invite.entry_window,
        "host_name": host_name(invite),
        "invite_url": absolute_url(invite.path),
        "language": invite.guest_language,
    }


@email_context(ANSWER_APPROVED)
def _approved_context(delivery: Delivery) -> dict[str, Any]:
    return decision_context(_decided_invite(delivery, Invite.Status.ACCEPTED))


@email_context(ANSWER_DECLINED)
def _declined_context(delivery: Delivery) -> dict[str, Any]:
    return decision_context(_decided_invite(delivery, Invite.Status.DECLINED))
