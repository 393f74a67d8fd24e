from __future__ import annotations

from django import template

from credits.models import credits_text

register = template.Library()


@register.filter
def credits(count: int, kind: str) -> str:
    """`{{ 250|credits:"invite" }}`: "250 invite credits", "1 invite credit"."""
    return credits_text(int(count), kind)
