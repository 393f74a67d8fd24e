"""`python manage.py grant_credits <org-slug> {portal|invite} <n> --reason "<text>"`,
or `python manage.py grant_credits --request <public id>`.

An operator's adjustment through the ledger: a positive n adds credits, a
negative n takes them away (never below zero). Each run is its own entry,
with the reason as memo, so a goodwill grant or a correction is explained
on the organization's statement.

`--request` grants an organizer's credit request (billing/credit_requests.py):
its kind and number, once, and the requester is emailed. It lives in billing,
above credits, because requests are billing's.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from artsvp.locks import locking_transaction
from billing.credit_requests import RequestAlreadyDecided, grant_request
from billing.models import CreditRequest
from credits import ledger
from credits.models import CreditKind
from organizations.models import Organization


class Command(BaseCommand):
    help = "Add (n > 0) or take away (n < 0) credits of an organization, with a reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organization", nargs="?", help="The organization's slug.")
        parser.add_argument("kind", nargs="?", choices=CreditKind.values)
        # "-5" must be read as a number, not an option.
        parser.add_argument(
            "amount", nargs="?", type=int, help="Credits to add; negative to take away."
        )
        parser.add_argument("--reason", help="Why: shown as the memo on the statement.")
        parser.add_argument("--request", help="Grant this credit request (its public id) instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["request"]:
            self._grant_request(options["request"])
            return
        if options["organization"] is None or options["kind"] is None or options["amount"] is None:
            raise CommandError("Give the organization, the kind and the amount (or --request).")
        if not options["reason"]:
            raise CommandError("Give a --reason: it is shown on the organization's statement.")
        slug, kind, amount = options["organization"], options["kind"], options["amount"]
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("Give a reason: it is shown on the organization's statement.")
        if amount == 0:
            raise CommandError("The amount must not be zero.")
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {slug!r}.")
        label = CreditKind(kind).label.lower()
        try:
            with locking_transaction():
                entry = ledger.adjust(
                    organization,
                    kind,
                    amount,
                    # One key per run: running the command twice is two adjustments.
                    idempotency_key=f"operator-adjustment:{uuid.uuid4().hex}",
                    memo=reason,
                )
        except ledger.InsufficientCredits as error:
            raise CommandError(
                f"Cannot take {-amount} {label} from {organization.name}: "
                f"only {error.available} left. Nothing was changed."
            ) from error
        verb = "Added" if amount > 0 else "Took away"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {abs(amount)} {label} for {organization.name}: "
                f"balance is now {entry.balance_after}."
            )
        )

    def _grant_request(self, public_id: str) -> None:
        credit_request = (
            CreditRequest.objects.select_related("organization").filter(public_id=public_id).first()
        )
        if credit_request is None:
            raise CommandError(f"No credit request {public_id!r}.")
        try:
            entry = grant_request(credit_request)
        except RequestAlreadyDecided as error:
            raise CommandError(f"{error.message} Nothing was changed.") from error
        label = CreditKind(credit_request.kind).label.lower()
        self.stdout.write(
            self.style.SUCCESS(
                f"Granted {credit_request.credits} {label} to {credit_request.organization.name}: "
                f"balance is now {entry.balance_after}. The requester was emailed."
            )
        )
