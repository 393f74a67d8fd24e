"""`{% brand_in_force as brand %}`: the brand of the page's event (events/brand.py).

For layouts shared by pages whose views know their event, portal or invite
but not the brand: the lookup is one query per event, kept for the request.
"""

from __future__ import annotations

from typing import Any

from django import template

from events.brand import brand_for_context
from organizations.brand import Brand

register = template.Library()


@register.simple_tag(takes_context=True)
def brand_in_force(context: Any) -> Brand | None:
    return brand_for_context(context)
