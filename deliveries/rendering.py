"""Turning an outbox row into an email.

A row renders its JSON context as it is, or through a context builder
registered for its template (`@email_context("portal-link")` in an app's
`emails.py`, imported at start-up by that app's AppConfig.ready()), which
turns stored ids into fresh rows at send time and may decide the message is
no longer wanted (`SkipDelivery`). The outbox knows no template by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.mail import EmailMultiAlternatives

from artsvp.emails import build_message
from deliveries.models import Delivery

ContextBuilder = Callable[[Delivery], dict[str, Any]]
_BUILDERS: dict[str, ContextBuilder] = {}


class SkipDelivery(Exception):
    """Raised by a context builder when the message is no longer wanted (an
    invitation cancelled, a purchase deleted); the reason is recorded."""


def email_context(template: str) -> Callable[[ContextBuilder], ContextBuilder]:
    """Register the function that builds `template`'s context from its row."""

    def register(builder: ContextBuilder) -> ContextBuilder:
        _BUILDERS[template] = builder
        return builder

    return register


def delivery_context(delivery: Delivery) -> dict[str, Any]:
    """The context `delivery`'s template renders: built now, or the stored one."""
    builder = _BUILDERS.get(delivery.template)
    return builder(delivery) if builder else dict(delivery.context)


def build_delivery_message(delivery: Delivery) -> EmailMultiAlternatives:
    return build_message(
        delivery.template,
        delivery.recipient,
        delivery_context(delivery),
        reply_to=delivery.reply_to or None,
    )
