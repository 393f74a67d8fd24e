"""The brand in force for an event: the one place that decides it.

Field by field: the event's override (EventBrand) where it sets a value,
else its organization's brand (OrganizationBrand), else the product default
(organizations/brand.py). Every page and email that shows a brand asks here:
the guest pages, the portal owner's pages, the door page (through the
`{% brand_in_force %}` tag of their layouts) and every email about an event
(the email context hook below).

One statement reads both layers (two LEFT JOINs from the event); the result is
kept on the event instance for the rest of the request, so a page that asks
three times (its stylesheet, header and footer) queries once, and a list of
rows does not ask per row.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection

from events.models import Event, EventBrand
from organizations.brand import BRAND_FIELDS, Brand, organization_brand, resolve_brand
from organizations.models import Organization, OrganizationBrand

_CACHE_ATTRIBUTE = "_brand_in_force"


@cache
def _brand_query() -> str:
    """Both layers of one event's brand and its organization's name, in one
    statement. Hand-written (the ORM's compilation of the same query cost more
    than the query itself on every public page); the columns come from _meta."""
    quote = connection.ops.quote_name
    event, organization = Event._meta, Organization._meta
    own, inherited = EventBrand._meta, OrganizationBrand._meta

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    columns = ", ".join(
        [f"o.{column(organization, 'name')}"]
        + [f"eb.{column(own, name)}" for name in BRAND_FIELDS]
        + [f"ob.{column(inherited, name)}" for name in BRAND_FIELDS]
    )
    event_id, organization_id = quote(event.pk.column), column(event, "organization")
    # Only names from _meta in it, quoted; the one value is a parameter.
    return (
        f"SELECT {columns} FROM {quote(event.db_table)} e"  # noqa: S608
        f" JOIN {quote(organization.db_table)} o"
        f" ON o.{quote(organization.pk.column)} = e.{organization_id}"
        f" LEFT JOIN {quote(own.db_table)} eb ON eb.{column(own, 'event')} = e.{event_id}"
        f" LEFT JOIN {quote(inherited.db_table)} ob"
        f" ON ob.{column(inherited, 'organization')} = e.{organization_id}"
        f" WHERE e.{event_id} = %s"
    )


def brand_for_event(event: Event) -> Brand:
    cached = getattr(event, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    with connection.cursor() as cursor:
        cursor.execute(_brand_query(), [event.pk])
        row = cursor.fetchone()
    if row is None:
        brand = Brand(owner_name="")
    else:
        count = len(BRAND_FIELDS)
        own = dict(zip(BRAND_FIELDS, row[1 : 1 + count], strict=True))
        inherited = dict(zip(BRAND_FIELDS, row[1 + count :], strict=True))
        brand = resolve_brand(row[0], own, inherited)
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
    organization renders under its brand (emails/_layout.html), and is from
    its organizer (the From line's name) unless its builder said who sends it
    (an exhibitor's invite: invites/emails.py)."""
    brand = context.get("brand")
    extra: dict[str, Any] = {}
    if brand is None:
        brand = brand_for_context(context)
        if brand is None:
            return {}
        extra["brand"] = brand
    owner_name = str(getattr(brand, "owner_name", "") or "")
    if not context.get("from_name") and owner_name:
        extra["from_name"] = owner_name
    return extra
