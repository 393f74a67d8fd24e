"""`python manage.py grant_credits <org-slug> {portal|invite} <n> --reason "<text>"`.

An operator's adjustment through the ledger: a positive n adds credits, a
negative n takes them away (never below zero). Each run is its own entry,
with the reason as memo, so a goodwill grant or a correction is explained
on the organization's statement.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from artsvp.locks import locking_transaction
from credits import ledger
from credits.models import CreditKind
from organizations.models import Organization


class Command(BaseCommand):
    help = "Add (n > 0) or take away (n < 0) credits of an organization, with a reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organization", help="The organization's slug.")
        parser.add_argument("kind", choices=CreditKind.values)
        # "-5" must be read as a number, not an option.
        parser.add_argument("amount", type=int, help="Credits to add; negative to take away.")
        parser.add_argument(
            "--reason", required=True, help="Why: shown as the memo on the statement."
        )

    def handle(self, *args: Any, **options: Any) -> None:
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
