"""The guest's check-in pass on their invite page (/i/<token>/, invites/hooks.py).

Shown once the guest is accepted, never for a pending answer: the QR code
(inline SVG, no script), the code as text for typing, and the calendar links.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from door.calendar import google_calendar_url
from door.models import CheckInPass
from door.qr import qr_svg
from invites.hooks import (
    GuestPagePart,
    GuestRowAction,
    register_guest_page_part,
    register_guest_row_action,
)
from invites.models import Invite


def current_pass(invite: Invite) -> CheckInPass | None:
    """The pass a guest may show: only an accepted invite's."""
    if invite.status != Invite.Status.ACCEPTED:
        return None
    return CheckInPass.objects.filter(invite=invite).first()


def _context(invite: Invite) -> Mapping[str, Any] | None:
    check_in_pass = current_pass(invite)
    if check_in_pass is None:
        return None
    return {
        "code": check_in_pass.display_code,
        "qr_svg": qr_svg(check_in_pass.code),
        "ics_url": reverse("door:calendar", args=[invite.token]),
        "google_url": google_calendar_url(invite),
    }


register_guest_page_part(
    "door-pass", GuestPagePart(template="door/_guest_pass.html", context=_context)
)


# The organizer's "New check-in code" on an accepted guest's row of the guest list.
register_guest_row_action(
    "door.replace_code",
    GuestRowAction(
        template="door/_replace_code_action.html",
        statuses=frozenset({Invite.Status.ACCEPTED.value}),
    ),
)
