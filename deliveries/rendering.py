"""Turning an outbox row into an email, and the invite email's own words.

An invite email carries the sender's subject and message. That text is user
input: it never reaches the template engine (a `{% load %}` or a
`{{ settings.SECRET_KEY }}` in it stays literal text). Only the three
placeholders `{{ name }}`, `{{ event }}` and `{{ portal }}` are replaced, by
plain substitution in a single pass (a guest named "{{ event }}" stays that
name), and the result goes to the templates as a variable: autoescaped in
HTML, and the subject flattened to one line so no name or subject can add a
header.

Other emails render their row's JSON context as it is, or through a context
builder registered for their template (`@email_context("portal-link")` in an
app's `emails.py`, imported at start-up by DeliveriesConfig.ready()), which
turns stored ids into fresh rows at send time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from artsvp.emails import RenderedEmail, build_message, one_line, render_email
from deliveries.models import INVITE_TEMPLATE

if TYPE_CHECKING:
    from deliveries.models import Delivery
    from invites.models import Invite

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")
PLACEHOLDERS = ("name", "event", "portal")
# A guest without a name reads "Hello there,".
NAMELESS_GUEST = "there"

DEFAULT_INVITE_SUBJECT = "You're invited to {{ event }}"
DEFAULT_INVITE_MESSAGE = (
    "Hello {{ name }},\n\n"
    "{{ portal }} would like to invite you to {{ event }}.\n\n"
    "Your personal invitation is below. Please let us know whether you can come."
)

ContextBuilder = Callable[["Delivery"], dict[str, Any]]
_BUILDERS: dict[str, ContextBuilder] = {}


class SkipDelivery(Exception):
    """Raised by a context builder when the email is no longer wanted (an
    invitation cancelled, an invite revoked); the reason is recorded."""


def email_context(template: str) -> Callable[[ContextBuilder], ContextBuilder]:
    """Register the function that builds `template`'s context from its row."""

    def register(builder: ContextBuilder) -> ContextBuilder:
        _BUILDERS[template] = builder
        return builder

    return register


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return PLACEHOLDER.sub(replace, text)


def placeholder_values(invite: Invite) -> dict[str, str]:
    # CR/LF in a name must not survive into a subject line, nor break the
    # text body's layout; names are one line by nature.
    return {
        "name": one_line(invite.guest_name) or NAMELESS_GUEST,
        "event": one_line(invite.event.name),
        "portal": one_line(host_name(invite)),
    }


def host_name(invite: Invite) -> str:
    """Who invites: the portal (an exhibitor, a sponsor) or the organizer."""
    return invite.portal.name if invite.portal is not None else invite.organization.name


def invite_context(invite: Invite, *, subject: str, message: str) -> dict[str, Any]:
    """A blank subject or message means the standard one (API callers omit them)."""
    values = placeholder_values(invite)
    return {
        "subject": one_line(fill_placeholders(subject or DEFAULT_INVITE_SUBJECT, values)),
        "message": fill_placeholders(message or DEFAULT_INVITE_MESSAGE, values).strip(),
        "invite": invite,
        "event": invite.event,
        "host_name": host_name(invite),
        "invite_url": f"{settings.SITE_URL}{invite.path}",
    }


def preview_invite_email(invite: Invite, *, subject: str, message: str) -> RenderedEmail:
    """Exactly what `invite` would receive, rendered like the real send."""
    return render_email(INVITE_TEMPLATE, invite_context(invite, subject=subject, message=message))


@email_context(INVITE_TEMPLATE)
def _invite_email_context(delivery: Delivery) -> dict[str, Any]:
    invite = delivery.invite
    if invite is None:
        raise SkipDelivery("The invite no longer exists.")
    if invite.status == invite.Status.REVOKED:
        raise SkipDelivery("The invite was revoked before it was sent.")
    return invite_context(invite, subject=delivery.subject, message=delivery.message)


def build_delivery_message(delivery: Delivery) -> EmailMultiAlternatives:
    builder = _BUILDERS.get(delivery.template)
    context = builder(delivery) if builder else dict(delivery.context)
    reply_to = delivery.reply_to or None
    if delivery.template == INVITE_TEMPLATE and delivery.invite and not reply_to:
        # A guest who answers the email reaches whoever invited them.
        portal = delivery.invite.portal
        reply_to = portal.owner_email if portal and portal.owner_email else None
    return build_message(delivery.template, delivery.recipient, context, reply_to=reply_to)
