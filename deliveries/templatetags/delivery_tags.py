from __future__ import annotations

from django import template
from django.utils.translation import gettext

from deliveries.models import Delivery

register = template.Library()

_LABELS = dict(Delivery.Status.choices)


@register.filter
def delivery_label(status: str | None) -> str:
    """'bounced' -> 'Bounced', for an annotated status (no model instance at hand)."""
    label = _LABELS.get(status or "")
    return str(label) if label is not None else gettext("Not emailed")
