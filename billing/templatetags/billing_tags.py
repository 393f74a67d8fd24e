from __future__ import annotations

from django import template

from billing import stripe_client

register = template.Library()


@register.simple_tag
def payments_configured() -> bool:
    """Whether Stripe keys are set; read from settings, so no query."""
    return stripe_client.payments_configured()
