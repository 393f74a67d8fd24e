"""The brand in force for an event: the one place that decides it.

Field by field: the event's override (EventBrand) where it sets a value,
else its organization's brand (OrganizationBrand), else the product default
(organizations/brand.py). Every page and email that shows a brand asks here:
the guest pages, the portal owner's pages, the door page (through the
`{% brand_in_force %}` tag of their layouts) and every email about an event
(the email context hook below).

One query reads both layers (two LEFT JOINs from the event); the result is
kept on the event instance for the rest of the request, so a page that asks
three times (its stylesheet, header and footer) queries once, and a list of
rows does not ask per row.
"""

from __future__ import annotations

from typing import Any

from events.models import Event
from organizations.brand import BRAND_FIELDS, Brand, organization_brand, resolve_brand
from organizations.models import Organization

_CACHE_ATTRIBUTE = "_brand_in_force"


def brand_for_event(event: Event) -> Brand:
    cached = getattr(event, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    own = [f"brand__{name}" for name in BRAND_FIELDS]
    inherited = [f"organization__brand__{name}" for name in BRAND_FIELDS]
    row = (
        Event.objects.filter(pk=event.pk).values("organization__name", *own, *inherited).first()
    ) or {}
    brand = resolve_brand(
        row.get("organization__name") or "",
        {name: row.get(f"brand__{name}") for name in BRAND_FIELDS},
        {name: row.get(f"organization__brand__{name}") for name in BRAND_FIELDS},
    )
    setattr(event, _CACHE_ATTRIBUTE, brand)
    return brand


def forget_brand(event: Event) -> None:
    """After a brand save, for the same instance to show the new one."""
    if hasattr(event, _CACHE_ATTRIBUTE):
        delattr(event, _CACHE_ATTRIBUTE)


def brand_for_context(context: Any) -> Brand | None:
    """The brand of whatever a page's or an email's context is about: its
    event (or the event of its portal or invite), else its organization."""
    event = _get(context, "brand_event") or _get(context, "event")
    if not isinstance(event, Event):
        for holder in ("invite", "portal"):
            candidate = getattr(_get(context, holder), "event", None)
            if isinstance(candidate, Event):
                event = candidate
                break
    if isinstance(event, Event):
        return brand_for_event(event)
    organization = _get(context, "organization")
    if isinstance(organization, Organization):
        return organization_brand(organization)
    return None


def _get(context: Any, key: str) -> Any:
    try:
        return context.get(key)
    except AttributeError:
        return None


def email_brand(context: dict[str, Any]) -> dict[str, Any]:
    """artsvp/emails.py's context hook: every email about an event or an
    organization renders under its brand (emails/_layout.html)."""
    if "brand" in context:
        return {}
    brand = brand_for_context(context)
    return {"brand": brand} if brand is not None else {}
