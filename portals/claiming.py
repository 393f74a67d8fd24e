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

Anyone holding the portal link can ask for codes and guess them, so every
budget is counted per requesting client (its address, stored only as a keyed
hash) as well as per portal, and nothing a stranger does from their own
client retires or burns the owner's code:

- a code request for another address sends nothing and costs only the
  requesting client (the view's per-client throttle);
- a code is issued for the owner's address at most CODES_PER_CLIENT_PER_HOUR
  times per client and CODES_PER_PORTAL_PER_HOUR times per portal (the owner's
  inbox is not for strangers to flood); asking again retires only the asking
  client's previous code, so several codes may be live at once;
- a guess is checked against every live code of the portal; a wrong one is
  recorded as an `OwnerCodeFailure`. A client that failed
  GUESSES_PER_CLIENT times in GUESS_CLIENT_WINDOW (longer than a code lives,
  so at most 5 wrong guesses per code per client) is refused, and so is
  everyone once the portal saw GUESSES_PER_PORTAL failures in
  GUESS_PORTAL_WINDOW, even with the right code, until the window passes.

The bound: in any hour at most GUESSES_PER_PORTAL = 20 wrong guesses (plus
the one that would succeed) are checked, each against at most
CODES_PER_PORTAL_PER_HOUR = 6 live codes of 10**6 possible values, so a
stranger with any number of clients gets in with probability at most
21 * 6 / 10**6 < 0.013 % per hour; one code, in its 10-minute life, faces at
most 20 wrong guesses (2 * 10**-5). The price: 20 wrong guesses from 4 or
more clients lock the owner out for up to an hour, which the owner sees as
"that code didn't work" and the organizer can undo by nothing but waiting.
"""

from __future__ import annotations

import enum
import logging
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.base_user import BaseUserManager
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from artsvp.i18n import recognized
from artsvp.locks import lock_existing_row, lock_row, locking_transaction
from credits import ledger
from credits.models import CreditEntry, CreditKind
from deliveries.services import queue_email
from portals.emails import LINK_CLAIMED, PORTAL_LINK
from portals.models import (
    OWNER_CODE_LIFETIME,
    OWNER_CODE_MINUTES,
    OwnerCode,
    OwnerCodeFailure,
    Portal,
)
from portals.notifications import notify_credit_shortage, send_owner_code
from portals.rules import ensure_claimable

logger = logging.getLogger(__name__)

CODE_LIFETIME = OWNER_CODE_LIFETIME
CODE_MINUTES = OWNER_CODE_MINUTES
# Codes issued for the owner's address, per rolling hour (see the docstring).
CODES_PER_CLIENT_PER_HOUR = 3
CODES_PER_PORTAL_PER_HOUR = 6
# Failed guesses: per client and portal, and per portal across all clients.
GUESSES_PER_CLIENT = 5
GUESS_CLIENT_WINDOW = timedelta(minutes=15)
GUESSES_PER_PORTAL = 20
GUESS_PORTAL_WINDOW = timedelta(hours=1)


def normalize_email(email: str) -> str:
    return BaseUserManager.normalize_email(email.strip())


def same_email(a: str, b: str) -> bool:
    return bool(a) and bool(b) and a.strip().lower() == b.strip().lower()


def claim_portal(portal: Portal, *, email: str, language: str = "") -> Portal:
    """Assign `portal` to `email`, using one portal credit of its organization.

    `language`: the one the owner claimed in (their browser's), which their
    pages and emails then use until they switch; unknown or empty: the event's.

    Raises PortalAlreadyAssigned, PortalRevoked or ledger.InsufficientCredits
    (after telling the organizer, at most once per portal a day).
    """
    email = normalize_email(email)
    try:
        return _claim(portal, email=email, language=recognized(language))
    except ledger.InsufficientCredits as error:
        notify_credit_shortage(
            portal,
            kind=CreditKind.PORTAL,
            requested=error.requested,
            available=error.available,
            email=email,
        )
        raise


def _claim(portal: Portal, *, email: str, language: str) -> Portal:
    with locking_transaction():
        # Lock, then re-read the status: of two simultaneous claims the second
        # waits here and then sees the first one's owner.
        locked = lock_existing_row(Portal.objects.filter(pk=portal.pk))
        ensure_claimable(locked)
        locked.status = Portal.Status.ASSIGNED
        locked.owner_email = email
        locked.assigned_at = timezone.now()
        locked.owner_language = language
        locked.save(
            update_fields=["status", "owner_email", "assigned_at", "owner_language", "updated_at"]
        )
        # The owner keeps a copy of the link (they may have claimed from a
        # forwarded email); a rollback of the claim sends nothing.
        queue_email(
            PORTAL_LINK,
            to=email,
            context={"portal_id": locked.pk, "reason": LINK_CLAIMED},
            organization=locked.organization,
            about=locked,
            language=language,
        )
        # Paid last, as invite batches pay: the account every claim and invite
        # of the organization queues on stays locked from here to the commit
        # only. Refused, it rolls the claim and its email back with it.
        ledger.consume(
            portal.organization,
            CreditKind.PORTAL,
            1,
            reason=CreditEntry.Reason.PORTAL_ASSIGNMENT,
            idempotency_key=f"portal-assign:{locked.pk}",
            portal=locked,
            actor_email=email,
            memo=f"{locked.name} claimed by {email}",
        )
    return locked


def _hash_code(portal: Portal, code: str) -> str:
    # Keyed with SECRET_KEY and the portal: a leaked table does not give the
    # codes away, and a code can never be checked against another portal.
    return salted_hmac(
        "artsvp.portals.owner-code", f"{portal.pk}:{code}", algorithm="sha256"
    ).hexdigest()


def client_key(portal: Portal, client: str) -> str:
    """The requesting client (its address) as stored: keyed, per portal, not reversible."""
    return salted_hmac(
        "artsvp.portals.owner-client", f"{portal.pk}:{client}", algorithm="sha256"
    ).hexdigest()[:32]


def _lock_assigned(portal: Portal) -> Portal | None:
    # Every request and guess for one portal queues on its row, so parallel
    # requests or guesses cannot all slip under a count they together exceed.
    locked = lock_row(Portal.objects.filter(pk=portal.pk))
    if locked is None or not locked.is_assigned:
        return None
    return locked


def _live_codes(portal: Portal, now: Any) -> list[OwnerCode]:
    rows = OwnerCode.objects.filter(portal=portal, used_at__isnull=True, expires_at__gt=now)
    return [
        row
        for row in rows.order_by("-created_at", "-id")
        if same_email(row.email, portal.owner_email)
    ]


def request_owner_code(portal: Portal, *, email: str, client: str) -> None:
    """Email a sign-in code to the portal's owner if `email` is the owner's.

    `client` identifies the requester (its address). Returns nothing either
    way, and does the same work either way: the caller must answer the same
    whether or not the address matched, or a budget was used up.
    """
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    key = client_key(portal, client)
    with locking_transaction():
        locked = _lock_assigned(portal)
        if locked is None:
            return
        recent = OwnerCode.objects.filter(portal=locked, created_at__gt=now - timedelta(hours=1))
        if (
            not same_email(email, locked.owner_email)
            or recent.filter(client=key).count() >= CODES_PER_CLIENT_PER_HOUR
            or recent.count() >= CODES_PER_PORTAL_PER_HOUR
        ):
            return
        # Asking again retires this client's previous code only: a stranger
        # asking for the owner's address never retires the owner's code.
        OwnerCode.objects.filter(
            portal=locked, client=key, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        row = OwnerCode.objects.create(
            organization_id=locked.organization_id,
            portal=locked,
            email=locked.owner_email,
            client=key,
            code_hash=_hash_code(locked, code),
            expires_at=now + CODE_LIFETIME,
        )
        transaction.on_commit(lambda: _hand_code_to_worker(row.pk, code))


def _hand_code_to_worker(code_id: int, code: str) -> None:
    """The code travels to the worker as an argument (only its hash is stored,
    so the outbox cannot resend it later); argsrepr keeps it out of the worker's
    logs. With the broker down the owner would wait for nothing: send it from
    this process instead, once."""
    try:
        send_owner_code.apply_async((code_id, code), argsrepr=f"({code_id}, '******')")
    except Exception as exc:
        logger.warning(
            "Broker unavailable for an owner code (%s); sending it in-process.",
            type(exc).__name__,
        )
        try:
            send_owner_code(code_id, code)
        except Exception:
            # The owner can ask again; the request that asked must not fail.
            logger.exception("Could not send owner code %s in-process.", code_id)


class CodeCheck(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NO_CODE = "no_code"


def check_owner_code(portal: Portal, *, code: str, client: str) -> CodeCheck:
    """Check `code` from `client` against the portal's live codes.

    A wrong guess is recorded for the client and the portal (see the module
    docstring for the budgets). The result says why a code failed, for tests
    and logs; views must show every failure the same way.
    """
    code = "".join(code.split())
    now = timezone.now()
    key = client_key(portal, client)
    with locking_transaction():
        locked = _lock_assigned(portal)
        if locked is None:
            return CodeCheck.NO_CODE
        failures = OwnerCodeFailure.objects.filter(portal=locked)
        failures.filter(created_at__lte=now - GUESS_PORTAL_WINDOW).delete()
        if (
            failures.filter(created_at__gt=now - GUESS_PORTAL_WINDOW).count() >= GUESSES_PER_PORTAL
            or failures.filter(client=key, created_at__gt=now - GUESS_CLIENT_WINDOW).count()
            >= GUESSES_PER_CLIENT
        ):
            return CodeCheck.TOO_MANY_ATTEMPTS
        live = _live_codes(locked, now)
        if not live:
            # Nothing to guess: not counted, so guessing at a portal without a
            # live code cannot use up the owner's budget.
            expired = OwnerCode.objects.filter(portal=locked, used_at__isnull=True).exists()
            return CodeCheck.EXPIRED if expired else CodeCheck.NO_CODE
        digest = _hash_code(locked, code) if code.isdigit() and len(code) == 6 else ""
        match = next(
            (row for row in live if digest and constant_time_compare(row.code_hash, digest)), None
        )
        if match is None:
            OwnerCodeFailure.objects.create(portal=locked, client=key, created_at=now)
            OwnerCode.objects.filter(pk__in=[row.pk for row in live]).update(
                attempts=F("attempts") + 1
            )
            return CodeCheck.WRONG
        # Signed in: every other live code of the portal is retired with it.
        OwnerCode.objects.filter(pk__in=[row.pk for row in live]).update(used_at=now)
        return CodeCheck.ACCEPTED
