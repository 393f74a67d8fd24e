"""Email backends for tests: fakes at the network boundary (the email provider).

`SlowFileBackend` writes each message to EMAIL_FILE_PATH like Django's
file-based backend, after sleeping ARTSVP_TEST_EMAIL_DELAY seconds, so a
worker can be killed in the middle of a send and the sends counted across
processes. `FlakyBackend` fails like a provider would, as scripted by a test;
`PickyBackend` refuses the addresses a test names and counts the connections
it opens.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class SlowFileBackend(FileBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        time.sleep(float(os.environ.get("ARTSVP_TEST_EMAIL_DELAY", "0")))
        return super().send_messages(email_messages)


class FlakyBackend(LocmemBackend):
    """Raises the next scripted error, if any, then behaves like locmem."""

    errors: list[BaseException] = []
    delay: float = 0.0

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        if self.delay:
            time.sleep(self.delay)
        if FlakyBackend.errors:
            raise FlakyBackend.errors.pop(0)
        return super().send_messages(messages)

    @classmethod
    def script(cls, *errors: BaseException, delay: float = 0.0) -> None:
        cls.errors = list(errors)
        cls.delay = delay


class PickyBackend(LocmemBackend):
    """locmem that raises the scripted errors for the addresses a test names
    (each error once, in order), and counts the connections opened."""

    refusals: dict[str, list[BaseException]] = {}
    connections_opened = 0
    delay: float = 0.0

    def open(self) -> bool:
        PickyBackend.connections_opened += 1
        return True

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        if self.delay:
            time.sleep(self.delay)
        for message in messages:
            errors = PickyBackend.refusals.get(message.to[0])
            if errors:
                raise errors.pop(0)
        return super().send_messages(messages)

    @classmethod
    def script(
        cls, refusals: Mapping[str, list[BaseException]] | None = None, *, delay: float = 0.0
    ) -> None:
        """`script({"ada@example.com": [error, ...]})`."""
        cls.refusals = {address: list(errors) for address, errors in (refusals or {}).items()}
        cls.connections_opened = 0
        cls.delay = delay


def sent_messages(path: Any) -> list[str]:
    """Every message the file backend wrote under `path`, as text.

    It appends messages sent within the same second to one file, each
    followed by a line of 79 dashes.
    """
    separator = "\n" + "-" * 79 + "\n"
    return [
        message
        for file in sorted(path.glob("*.log"))
        for message in file.read_text().split(separator)
        if message.strip()
    ]
