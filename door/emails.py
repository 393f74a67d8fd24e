"""The confirmation and the cancellation: the door's emails to a guest.

Both are built at send time from the invite and its pass (door/services.py
queues them), so a guest who changed their answer again before the worker
sent is not told the old one: a confirmation for an invite no longer
accepted, or a cancellation for one accepted again, is skipped.

The confirmation carries the QR code of the check-in code (an inline PNG,
`cid:check-in-qr`), the code as text, the event, the window with its time in
the event's time zone, the venue, the plus-ones, add-to-calendar links and
the `.ics` (METHOD:REQUEST). The cancellation carries the `.ics` with
METHOD:CANCEL. Subjects are one line (artsvp/emails.py): a name with CR/LF
cannot add a header.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from artsvp.emails import Attachment
from artsvp.links import absolute_url
from deliveries.models import Delivery
from deliveries.rendering import SkipDelivery, email_attachments, email_context
from door.calendar import build_ics, google_calendar_url, host_name
from door.models import CheckInPass
from door.qr import qr_png
from door.services import CANCELLATION, CONFIRMATION
from invites.models import Invite

QR_CONTENT_ID = "check-in-qr"


def _invite_and_pass(delivery: Delivery) -> tuple[Invite, CheckInPass]:
    invite = (
        Invite.objects.select_related("event", "portal", "organization", "entry_window")
        .filter(pk=delivery.context.get("invite_id"))
        .first()
    )
    if invite is None:
        raise SkipDelivery("The invite no longer exists.")
    try:
        # From the pass's side: invites (a lower layer) knows nothing of passes.
        return invite, CheckInPass.objects.get(invite=invite)
    except CheckInPass.DoesNotExist:
        raise SkipDelivery("The invite has no check-in pass.") from None


def confirmation_context(invite: Invite, check_in_pass: CheckInPass) -> dict[str, Any]:
    return {
        "invite": invite,
        "event": invite.event,
        "window": invite.entry_window,
        "host_name": host_name(invite),
        "code": check_in_pass.display_code,
        "qr_cid": QR_CONTENT_ID,
        "invite_url": absolute_url(invite.path),
        "ics_url": absolute_url(reverse("door:calendar", args=[invite.token])),
        "google_url": google_calendar_url(invite),
        "language": invite.guest_language,
    }


@email_context(CONFIRMATION)
def _confirmation_context(delivery: Delivery) -> dict[str, Any]:
    invite, check_in_pass = _invite_and_pass(delivery)
    if invite.status != Invite.Status.ACCEPTED or not check_in_pass.announced:
        raise SkipDelivery("The guest is no longer accepted.")
    return {**confirmation_context(invite, check_in_pass), "check_in_pass": check_in_pass}


@email_attachments(CONFIRMATION)
def _confirmation_files(delivery: Delivery, context: dict[str, Any]) -> list[Attachment]:
    invite, check_in_pass = context["invite"], context["check_in_pass"]
    return [
        Attachment(
            "check-in.png", qr_png(check_in_pass.code), "image/png", inline_id=QR_CONTENT_ID
        ),
        _ics_attachment(invite, check_in_pass, method="REQUEST"),
    ]


@email_context(CANCELLATION)
def _cancellation_context(delivery: Delivery) -> dict[str, Any]:
    invite, check_in_pass = _invite_and_pass(delivery)
    if check_in_pass.announced:
        raise SkipDelivery("The guest was confirmed again.")
    return {
        "invite": invite,
        "event": invite.event,
        "host_name": host_name(invite),
        "check_in_pass": check_in_pass,
        "language": invite.guest_language,
    }


@email_attachments(CANCELLATION)
def _cancellation_files(delivery: Delivery, context: dict[str, Any]) -> list[Attachment]:
    return [_ics_attachment(context["invite"], context["check_in_pass"], method="CANCEL")]


def _ics_attachment(invite: Invite, check_in_pass: CheckInPass, *, method: str) -> Attachment:
    return Attachment(
        "invite.ics",
        build_ics(invite, check_in_pass, method="CANCEL" if method == "CANCEL" else "REQUEST"),
        "text/calendar",
        params={"method": method, "charset": "utf-8"},
    )
