"""The language switcher of the organizer's signed-out pages (log in, sign up):
Django's set_language view sets the language cookie and comes back. And
`|localdate`: Django's `|date` in the order of the language in force."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse

from artsvp.i18n import date_pattern, language_switch

register = template.Library()


@register.simple_tag(takes_context=True)
def site_language_switch(context: Any) -> dict[str, Any]:
    request = context.get("request")
    next_url = request.get_full_path() if request is not None else "/"
    return language_switch(reverse("set_language"), next_url=next_url)


@register.filter
def localdate(value: Any, pattern: str) -> str:
    """`{{ when|localdate:"j M Y" }}`: "2 Dec 2026", German "2. Dez. 2026"
    (artsvp.i18n.date_pattern; month and day names come from Django's catalogs)."""
    return date_filter(value, date_pattern(pattern))
