"""`python manage.py check_ledger`: prove that every balance is explained by its entries.

For every account: the balance equals the sum of its entries, and each
entry's balance_after is the previous entry's balance_after plus its amount
(entries in id order; ids are drawn under the account lock, so id order is
the order the ledger applied them). Prints a report and exits with status 1
on any drift, so a cron job or CI step can alert on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from credits.models import CreditAccount, CreditEntry


@dataclass
class _Chain:
    account: CreditAccount
    entries: int = 0
    total: int = 0
    last_balance_after: int = 0
    drift: list[str] = field(default_factory=list)


class Command(BaseCommand):
    help = "Check that every credit balance equals the sum of its entries; exit 1 on drift."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", help="Only check this organization (its slug).")
        parser.add_argument(
            "--max-lines", type=int, default=50, help="Drift lines to print per account."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                # One snapshot for accounts and entries: a consumption
                # committing mid-check must not look like drift.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            chains = self._walk(options["organization"])

        accounts_with_drift = 0
        entries = 0
        for chain in chains.values():
            entries += chain.entries
            if chain.total != chain.account.balance:
                chain.drift.insert(
                    0,
                    f"balance is {chain.account.balance} but its entries sum to {chain.total}"
                    f" (drift {chain.account.balance - chain.total:+d})",
                )
            if chain.drift:
                accounts_with_drift += 1
                account = chain.account
                self.stdout.write(
                    self.style.ERROR(
                        f"DRIFT {account.organization.slug} / {account.kind} "
                        f"(account {account.pk}):"
                    )
                )
                for line in chain.drift[: options["max_lines"]]:
                    self.stdout.write(f"  - {line}")
                if len(chain.drift) > options["max_lines"]:
                    self.stdout.write(f"  ... and {len(chain.drift) - options['max_lines']} more")

        self.stdout.write(f"Accounts checked: {len(chains)}")
        self.stdout.write(f"Entries checked:  {entries}")
        if accounts_with_drift:
            raise CommandError(f"Ledger drift in {accounts_with_drift} of {len(chains)} accounts.")
        self.stdout.write(self.style.SUCCESS("No drift: every balance matches its entries."))

    def _walk(self, organization_slug: str | None) -> dict[int, _Chain]:
        accounts = CreditAccount.objects.select_related("organization").order_by("pk")
        entries = CreditEntry.objects.order_by("account_id", "id")
        if organization_slug:
            accounts = accounts.filter(organization__slug=organization_slug)
            entries = entries.filter(account__organization__slug=organization_slug)
            if not accounts.exists():
                raise CommandError(
                    f"No organization with credit accounts is called {organization_slug!r}."
                )
        chains = {account.pk: _Chain(account) for account in accounts}
        rows = entries.values_list(
            "pk", "account_id", "organization_id", "kind", "amount", "balance_after"
        )
        for pk, account_id, organization_id, kind, amount, balance_after in rows.iterator(
            chunk_size=5000
        ):
            chain = chains[account_id]
            account = chain.account
            expected = chain.last_balance_after + amount
            if balance_after != expected:
                chain.drift.append(
                    f"entry {pk}: balance_after is {balance_after}, expected {expected}"
                    f" ({chain.last_balance_after} before, {amount:+d})"
                )
            if organization_id != account.organization_id or kind != account.kind:
                chain.drift.append(
                    f"entry {pk}: says organization {organization_id} / {kind}, "
                    f"its account is {account.organization_id} / {account.kind}"
                )
            chain.entries += 1
            chain.total += amount
            chain.last_balance_after = balance_after
        return chains
