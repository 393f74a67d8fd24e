from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from deliveries import services


class Command(BaseCommand):
    help = (
        "Enqueue again the emails no worker is going to send: queued ones long past due "
        "(the broker was down, a message was lost) and ones a dead worker was sending."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queued-for",
            type=int,
            default=int(services.REQUEUE_QUEUED_AFTER.total_seconds()),
            metavar="SECONDS",
            help="Requeue queued emails this many seconds past due (default: %(default)s).",
        )
        parser.add_argument(
            "--sending-for",
            type=int,
            default=int(services.REQUEUE_SENDING_AFTER.total_seconds()),
            metavar="SECONDS",
            help="Requeue emails claimed this many seconds ago (default: %(default)s).",
        )

    def handle(self, *args: Any, queued_for: int, sending_for: int, **options: Any) -> None:
        count = services.requeue_stuck_deliveries(
            queued_for=timedelta(seconds=queued_for), sending_for=timedelta(seconds=sending_for)
        )
        self.stdout.write(f"Requeued {count} deliver{'y' if count == 1 else 'ies'}.")
