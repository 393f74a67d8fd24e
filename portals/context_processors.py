"""The organizer's banner while portals are held up (portals/notifications.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from portals.models import CreditShortageNotice
from portals.notifications import open_shortages


@dataclass(frozen=True)
class ShortageBanner:
    portal_credits: list[CreditShortageNotice]
    invite_credits: list[CreditShortageNotice]
    allocations: list[CreditShortageNotice]

    def __bool__(self) -> bool:
        return bool(self.portal_credits or self.invite_credits or self.allocations)


def _banner(organization_id: int) -> ShortageBanner:
    notices = open_shortages(organization_id)
    credits = [n for n in notices if n.cause == CreditShortageNotice.Cause.CREDITS]
    return ShortageBanner(
        portal_credits=[n for n in credits if n.kind == "portal"],
        invite_credits=[n for n in credits if n.kind == "invite"],
        allocations=[n for n in notices if n.cause == CreditShortageNotice.Cause.ALLOCATION],
    )


def shortage_banner(request: HttpRequest) -> dict[str, Any]:
    """Open refusals of the organization of an organizer page (team members only)."""
    organization = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    if organization is None or membership is None or membership.is_restricted:
        return {}
    organization_id = organization.pk
    # Lazy: only pages that render the banner pay for its query.
    return {"shortage_banner": SimpleLazyObject(lambda: _banner(organization_id))}
