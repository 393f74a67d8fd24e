"""Claiming a portal, and signing its owner in on another browser.

Claiming (rule 3 of the spec): the first person to enter an email on an
unassigned portal becomes its owner, and that is the moment one portal
credit is used. Two claims at once serialise on the portal's row lock; the
second re-reads the status under the lock and is refused, so exactly one
credit is used.

A returning owner proves their address with a one-time code sent to the
owner's email (never to the address typed in). Requesting a code looks the
same whether or not the typed address is the owner's, and every failed check
of a code looks the same too, so nobody learns the owner's address.
"""

from __future__ import annotations

import enum
import secrets
from datetime import timedelta

from django.contrib.auth.base_user import BaseUserManager
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from credits import ledger
from credits.models import CreditEntry, CreditKind
from portals.models import OwnerCode, Portal
from portals.owner_tasks import notify_credit_shortage, send_owner_code

CODE_LIFETIME = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5


class PortalError(Exception):
    pass


class PortalAlreadyAssigned(PortalError):
    def __init__(self) -> None:
        super().__init__("This portal has already been claimed.")


class PortalRevoked(PortalError):
    def __init__(self) -> None:
        super().__init__("This portal has been revoked by the organizer.")


def normalize_email(email: str) -> str:
    return BaseUserManager.normalize_email(email.strip())


def same_email(a: str, b: str) -> bool:
    return bool(a) and bool(b) and a.strip().lower() == b.strip().lower()


def claim_portal(portal: Portal, *, email: str) -> Portal:
    """Assign `portal` to `email`, using one portal credit of its organization.

    Raises PortalAlreadyAssigned, PortalRevoked or ledger.InsufficientCredits
    (after telling the organizer, at most once per portal a day).
    """
    try:
        return _claim(portal, email=normalize_email(email))
    except ledger.InsufficientCredits as error:
        notify_credit_shortage(portal, kind=CreditKind.PORTAL, requested=error.requested)
        raise


def _claim(portal: Portal, *, email: str) -> Portal:
    with transaction.atomic(durable=True):
        # Lock, then re-read the status: of two simultaneous claims the second
        # waits here and then sees the first one's owner.
        locked = Portal.objects.select_for_update(of=("self",)).get(pk=portal.pk)
        if locked.status == Portal.Status.REVOKED:
            raise PortalRevoked()
        if locked.status != Portal.Status.UNASSIGNED:
            raise PortalAlreadyAssigned()
        ledger.consume(
            portal.organization,
            CreditKind.PORTAL,
            1,
            reason=CreditEntry.Reason.PORTAL_ASSIGNMENT,
            idempotency_key=f"portal-assign:{locked.pk}",
            portal=locked,
            memo=f"{locked.name} claimed by {email}",
        )
        locked.status = Portal.Status.ASSIGNED
        locked.owner_email = email
        locked.assigned_at = timezone.now()
        locked.save(update_fields=["status", "owner_email", "assigned_at", "updated_at"])
    return locked


def _hash_code(portal: Portal, code: str) -> str:
    # Keyed with SECRET_KEY and the portal: a leaked table does not give the
    # codes away, and a code can never be checked against another portal.
    return salted_hmac(
        "artsvp.portals.owner-code", f"{portal.pk}:{code}", algorithm="sha256"
    ).hexdigest()


def request_owner_code(portal: Portal, *, email: str) -> None:
    """Email a sign-in code to the portal's owner if `email` is the owner's.

    Returns nothing either way: the caller must answer the same whether or
    not the address matched.
    """
    if portal.status != Portal.Status.ASSIGNED or not same_email(email, portal.owner_email):
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        row = OwnerCode.objects.create(
            organization_id=portal.organization_id,
            portal=portal,
            email=portal.owner_email,
            code_hash=_hash_code(portal, code),
            expires_at=timezone.now() + CODE_LIFETIME,
        )
        # The code travels to the worker as an argument (only its hash is
        # stored); argsrepr keeps it out of the worker's logs.
        transaction.on_commit(
            lambda: send_owner_code.apply_async((row.pk, code), argsrepr=f"({row.pk}, '******')")
        )


class CodeCheck(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NO_CODE = "no_code"


def check_owner_code(portal: Portal, *, code: str) -> CodeCheck:
    """Check `code` against the portal's newest code; a wrong guess uses an attempt.

    Only the newest unused code counts: asking for a new code retires the
    previous one. The result says why a code failed, for tests and logs;
    views must show every failure the same way.
    """
    code = "".join(code.split())
    now = timezone.now()
    with transaction.atomic(durable=True):
        # Locked so that parallel guesses cannot share one attempt.
        row = (
            OwnerCode.objects.select_for_update()
            .filter(portal=portal, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        current = Portal.objects.filter(pk=portal.pk).values("status", "owner_email").first()
        if (
            row is None
            or current is None
            or current["status"] != Portal.Status.ASSIGNED
            or not same_email(row.email, current["owner_email"])
        ):
            return CodeCheck.NO_CODE
        if row.expires_at <= now:
            return CodeCheck.EXPIRED
        if row.attempts >= CODE_MAX_ATTEMPTS:
            return CodeCheck.TOO_MANY_ATTEMPTS
        row.attempts += 1
        if not code.isdigit() or not constant_time_compare(row.code_hash, _hash_code(portal, code)):
            row.save(update_fields=["attempts"])
            return CodeCheck.WRONG
        row.used_at = now
        row.save(update_fields=["attempts", "used_at"])
        return CodeCheck.ACCEPTED
