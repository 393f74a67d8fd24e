"""The statement: an organization's ledger entries, explained line by line.

Read-only. Rows are prepared here so the templates and the CSV export show
the same words, and so neither runs a query per row (every cause is fetched
with `select_related`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop, ngettext

from credits.models import CreditEntry
from organizations.models import Organization

SYSTEM = gettext_noop("System")


@dataclass(frozen=True)
class StatementFilters:
    kind: str = ""
    reason: str = ""
    date_from: date | None = None
    date_to: date | None = None
    invalid: bool = False

    @property
    def active(self) -> bool:
        return bool(self.kind or self.reason or self.date_from or self.date_to or self.invalid)


@dataclass(frozen=True)
class StatementRow:
    entry: CreditEntry
    reference: str
    reference_url: str | None
    actor: str

    @property
    def credits_in(self) -> int:
        return max(self.entry.amount, 0)

    @property
    def credits_out(self) -> int:
        return max(-self.entry.amount, 0)


def statement_entries(
    organization: Organization, filters: StatementFilters | None = None
) -> QuerySet[CreditEntry]:
    """The organization's entries, newest first, with everything a row shows."""
    entries = CreditEntry.objects.filter(organization=organization).select_related(
        "actor", "purchase", "portal", "invite_batch__portal", "invite_batch__created_by"
    )
    filters = filters or StatementFilters()
    if filters.invalid:
        return entries.none()
    if filters.kind:
        entries = entries.filter(kind=filters.kind)
    if filters.reason:
        entries = entries.filter(reason=filters.reason)
    if filters.date_from:
        entries = entries.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        entries = entries.filter(created_at__date__lte=filters.date_to)
    return entries.order_by("-id")


def _person(user: Any) -> str:
    return user.get_full_name() or user.email or user.get_username()


class RowBuilder:
    """Turns entries into rows; link patterns are resolved once, not per row."""

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        self.purchase_url = self._pattern("billing:purchase")
        self.portal_url = self._pattern("portals:portal_detail")

    def _pattern(self, name: str) -> str:
        marker = "publicid0marker"
        return reverse(name, args=[self.organization.slug, marker]).replace(marker, "{}")

    def row(self, entry: CreditEntry) -> StatementRow:
        reference, url = self._reference(entry)
        if entry.actor is not None:
            actor = _person(entry.actor)
        elif entry.actor_email:
            actor = gettext("%(email)s (portal owner)") % {"email": entry.actor_email}
        else:
            actor = gettext(SYSTEM)
        return StatementRow(entry=entry, reference=reference, reference_url=url, actor=actor)

    def rows(self, entries: Any) -> Iterator[StatementRow]:
        return (self.row(entry) for entry in entries)

    def _reference(self, entry: CreditEntry) -> tuple[str, str | None]:
        if entry.purchase is not None:
            purchase = entry.purchase
            url = self.purchase_url.format(purchase.public_id)
            return gettext("Purchase %(id)s") % {"id": purchase.public_id}, url
        if entry.invite_batch is not None:
            batch = entry.invite_batch
            if batch.portal is not None:
                by = batch.portal.name
            elif batch.created_by is not None:
                by = _person(batch.created_by)
            else:
                by = gettext("the organizer")
            return ngettext(
                "%(count)d invite by %(by)s", "%(count)d invites by %(by)s", batch.size
            ) % {"count": batch.size, "by": by}, None
        if entry.portal is not None:
            portal = entry.portal
            url = self.portal_url.format(portal.public_id)
            return gettext("Portal %(name)s") % {"name": portal.name}, url
        return "", None
