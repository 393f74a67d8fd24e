"""The language switcher of the organizer's signed-out pages (log in, sign up):
Django's set_language view sets the language cookie and comes back."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from artsvp.i18n import language_switch

register = template.Library()


@register.simple_tag(takes_context=True)
def site_language_switch(context: Any) -> dict[str, Any]:
    request = context.get("request")
    next_url = request.get_full_path() if request is not None else "/"
    return language_switch(reverse("set_language"), next_url=next_url)
