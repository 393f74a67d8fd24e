"""Requesting credits while buying online is not available (Stripe not configured).

An owner or admin asks for N credits of a kind with a note; the operators
(settings.ADMINS) are emailed a link to the request in the admin. An operator
grants it with the admin action or `manage.py grant_credits --request <id>`:
the credits go through the ledger once (idempotency key
`credit-request:<id>`, reason "operator adjustment", the note as memo), the
request is marked granted, and the requester is emailed. Or declines it, with
the requester told. Deciding takes the request's row lock after the credit
account's (artsvp/locks.py), so two operators granting at once grant once.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext

from artsvp.locks import lock_existing_row, locking_transaction
from billing.models import CreditRequest
from credits import ledger
from credits.models import CreditEntry, CreditKind
from deliveries.services import InvalidRecipient, queue_email
from organizations.models import Organization
from organizations.preferences import language_of_email

logger = logging.getLogger(__name__)

CREDIT_REQUEST = "credit-request"
CREDITS_GRANTED = "credit-request-granted"
CREDITS_DECLINED = "credit-request-declined"

# One request asks for at most this many credits (a typo guard, not a limit of ours).
MAX_REQUESTED = 100_000
# Open requests an organization may have at once.
MAX_OPEN = 5


class CreditRequestError(Exception):
    code = "credit_request_invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RequestAlreadyDecided(CreditRequestError):
    code = "credit_request_decided"


def request_credits(
    organization: Organization, *, kind: str, credits: int, note: str = "", requested_by: Any
) -> CreditRequest:
    """Record the request and email the operators (after commit)."""
    if kind not in CreditKind.values:
        raise CreditRequestError(gettext("Choose portal or invite credits."), field="kind")
    if not 1 <= credits <= MAX_REQUESTED:
        raise CreditRequestError(
            gettext("Ask for between 1 and %(most)s credits.")
            % {"most": number_format(MAX_REQUESTED, force_grouping=True)},
            field="credits",
        )
    with locking_transaction():
        # One at a time per organization: the open-request count below stays true.
        lock_existing_row(Organization.objects.filter(pk=organization.pk))
        open_requests = CreditRequest.objects.filter(
            organization=organization, status=CreditRequest.Status.OPEN
        ).count()
        if open_requests >= MAX_OPEN:
            raise CreditRequestError(
                gettext(
                    "You already have %(count)d open requests. The operators will answer "
                    "them soon; you can ask again once they have."
                )
                % {"count": open_requests}
            )
        credit_request = CreditRequest.objects.create(
            organization=organization,
            kind=kind,
            credits=credits,
            note=note.strip()[:1000],
            requested_by=requested_by,
        )
        for _name, address in settings.ADMINS:
            _queue(CREDIT_REQUEST, credit_request, to=address, organization=None)
        if not settings.ADMINS:
            logger.warning(
                "Credit request %s: no ADMINS to tell; it waits in the admin.",
                credit_request.public_id,
            )
    return credit_request


def grant_request(credit_request: CreditRequest, *, decided_by: Any = None) -> CreditEntry:
    """Add the requested credits and tell the requester. Raises RequestAlreadyDecided."""
    with locking_transaction():
        entry = ledger.grant(
            credit_request.organization,
            credit_request.kind,
            credit_request.credits,
            reason=CreditEntry.Reason.ADJUSTMENT,
            # Granting twice is a replay of the same entry, never a second grant.
            idempotency_key=f"credit-request:{credit_request.pk}",
            actor=decided_by,
            memo=_memo(credit_request),
        )
        locked = _lock_open(credit_request)
        locked.status = CreditRequest.Status.GRANTED
        locked.decided_by = decided_by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        _tell_requester(CREDITS_GRANTED, locked)
    return entry


def decline_request(credit_request: CreditRequest, *, decided_by: Any = None) -> CreditRequest:
    """Close the request without credits and tell the requester."""
    with locking_transaction():
        locked = _lock_open(credit_request)
        locked.status = CreditRequest.Status.DECLINED
        locked.decided_by = decided_by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        _tell_requester(CREDITS_DECLINED, locked)
    return locked


def _lock_open(credit_request: CreditRequest) -> CreditRequest:
    # Re-read under the lock: another operator may have decided meanwhile.
    locked = lock_existing_row(
        CreditRequest.objects.filter(pk=credit_request.pk).select_related(
            "organization", "requested_by"
        )
    )
    if locked.status != CreditRequest.Status.OPEN:
        raise RequestAlreadyDecided(
            gettext("This request was already %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


def _memo(credit_request: CreditRequest) -> str:
    memo = f"Credit request {credit_request.public_id}"
    if credit_request.note:
        memo += f": {credit_request.note}"
    return memo[:200]


def _tell_requester(template: str, credit_request: CreditRequest) -> None:
    requester = credit_request.requested_by
    if requester is None or not requester.email:
        return
    _queue(template, credit_request, to=requester.email, organization=credit_request.organization)


def _queue(
    template: str, credit_request: CreditRequest, *, to: str, organization: Organization | None
) -> None:
    try:
        queue_email(
            template,
            to=to,
            context={"credit_request_id": credit_request.pk},
            organization=organization,
            about=credit_request,
            language=language_of_email(to),
        )
    except InvalidRecipient:
        logger.error("Credit request %s: no %s email to %r", credit_request.public_id, template, to)
