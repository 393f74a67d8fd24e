"""Turning an outbox row into an email.

A row renders its JSON context as it is, or through a context builder
registered for its template (`@email_context("portal-link")` in an app's
`emails.py`, imported at start-up by that app's AppConfig.ready()), which
turns stored ids into fresh rows at send time and may decide the message is
no longer wanted (`SkipDelivery`). The outbox knows no template by name.

A template may also register the files its message carries
(`@email_attachments("door-confirmation")`): built at send time from the row
and the context just built, so they match the message they go with.

A message renders in its row's `language` (set when it was queued), unless
its context builder read a fresher one (a guest who switched since) and
returned it as `context["language"]`: that wins. The attachments are built
in the same language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.mail import EmailMultiAlternatives

from artsvp.emails import Attachment, build_message
from artsvp.i18n import language, supported
from deliveries.models import Delivery

ContextBuilder = Callable[[Delivery], dict[str, Any]]
_BUILDERS: dict[str, ContextBuilder] = {}
AttachmentsBuilder = Callable[[Delivery, dict[str, Any]], list[Attachment]]
_ATTACHMENTS: dict[str, AttachmentsBuilder] = {}


class SkipDelivery(Exception):
    """Raised by a context builder when the message is no longer wanted (an
    invitation cancelled, a purchase deleted); the reason is recorded."""


def email_context(template: str) -> Callable[[ContextBuilder], ContextBuilder]:
    """Register the function that builds `template`'s context from its row."""

    def register(builder: ContextBuilder) -> ContextBuilder:
        _BUILDERS[template] = builder
        return builder

    return register


def email_attachments(template: str) -> Callable[[AttachmentsBuilder], AttachmentsBuilder]:
    """Register the function that builds `template`'s files from its row and context."""

    def register(builder: AttachmentsBuilder) -> AttachmentsBuilder:
        _ATTACHMENTS[template] = builder
        return builder

    return register


def delivery_context(delivery: Delivery) -> dict[str, Any]:
    """The context `delivery`'s template renders: built now, or the stored one."""
    builder = _BUILDERS.get(delivery.template)
    return builder(delivery) if builder else dict(delivery.context)


def delivery_language(delivery: Delivery, context: dict[str, Any]) -> str:
    """The language `delivery` renders in: its builder's, else its row's (unknown: the default)."""
    return supported(context.get("language") or delivery.language)


def build_delivery_message(delivery: Delivery) -> EmailMultiAlternatives:
    # The builder may translate values (a deadline, a status): it runs in the
    # row's language, and once more in the fresher one it returns, if another.
    with language(delivery.language):
        context = delivery_context(delivery)
    chosen = delivery_language(delivery, context)
    if chosen != supported(delivery.language):
        with language(chosen):
            context = delivery_context(delivery)
    attachments = _ATTACHMENTS.get(delivery.template)
    with language(chosen):
        return build_message(
            delivery.template,
            delivery.recipient,
            context,
            reply_to=delivery.reply_to or None,
            attachments=attachments(delivery, context) if attachments else (),
            language=chosen,
        )
