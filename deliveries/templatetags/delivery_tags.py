from __future__ import annotations

from django import template

from deliveries.models import Delivery

register = template.Library()

_LABELS = dict(Delivery.Status.choices)


@register.filter
def delivery_label(status: str | None) -> str:
    """'bounced' -> 'Bounced', for an annotated status (no model instance at hand)."""
    return _LABELS.get(status or "", "Not emailed")
