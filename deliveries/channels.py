"""Channels: how a message leaves the outbox.

A channel builds the message for a row, sends it (returning the provider's
id for it, or ""), and says which of its errors are worth retrying and how to
describe them. A channel that can send many messages over one connection
also offers `session()` (email does: one SMTP or HTTP connection for a whole
chunk of rows); `open_session` falls back to `send` for one that does not.
Claiming, retrying with backoff, recording `sent` once and the sweeper
(deliveries/services/) are the same for every channel, and so is the
at-least-once guarantee (models.py). `email` is the only channel today; an
HTTP webhook channel registers itself the same way (`register_channel`).
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from typing import Any, Protocol, cast

from anymail.exceptions import AnymailAPIError, AnymailError
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.validators import validate_email

from deliveries.models import Delivery
from deliveries.rendering import build_delivery_message


class Channel(Protocol):
    @property
    def name(self) -> str:
        """The value of `Delivery.channel` this channel sends."""

    def validate_recipient(self, recipient: str) -> bool:
        """Whether `recipient` is an address this channel can send to."""

    def build(self, delivery: Delivery) -> Any:
        """The message for `delivery`; may raise `SkipDelivery`."""

    def send(self, message: Any) -> str:
        """Send `message`; return the provider's id for it ("" when none)."""

    def is_transient(self, exc: BaseException) -> bool:
        """Whether a send that raised `exc` is worth retrying."""

    def describe_error(self, exc: BaseException) -> str:
        """A short reason for the organizer and the operator."""


_CHANNELS: dict[str, Channel] = {}


class UnknownChannel(LookupError):
    pass


def register_channel(channel: Channel) -> Channel:
    _CHANNELS[channel.name] = channel
    return channel


def unregister_channel(name: str) -> None:
    _CHANNELS.pop(name, None)


def get_channel(name: str) -> Channel:
    try:
        return _CHANNELS[name]
    except KeyError:
        raise UnknownChannel(f"No channel {name!r} is registered.") from None


Sender = Callable[[Any], str]


def open_session(channel: Channel) -> AbstractContextManager[Sender]:
    """A context that yields a function sending one message at a time, like
    `channel.send`, over one connection when the channel offers `session()`.

    A send that raises fails that message only: the session reconnects for
    the next one.
    """
    session = getattr(channel, "session", None)
    if session is None:
        return nullcontext(channel.send)
    return cast(AbstractContextManager[Sender], session())


# --- Email ---------------------------------------------------------------------------------


def is_valid_address(address: str) -> bool:
    try:
        validate_email(address.strip())
    except ValidationError:
        return False
    # validate_email allows neither CR nor LF, but be explicit: an address is
    # a header value.
    return "\n" not in address and "\r" not in address


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: the email provider or the network may recover."""
    if isinstance(exc, AnymailAPIError):
        status = exc.status_code
        # No status: the request never got an answer (network, timeout).
        return status is None or status == 429 or status >= 500
    if isinstance(exc, AnymailError):
        return False  # refused recipients, invalid addresses, unsupported features
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, OSError | SoftTimeLimitExceeded)


def describe_send_error(exc: BaseException) -> str:
    """A short reason for the organizer and the operator.

    Not str(exc): anymail formats the provider's HTTP response there (which
    may be missing), and smtplib shows raw bytes.
    """
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{name} {exc.smtp_code}: {detail}"[:500]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = ", ".join(str(code) for code, _ in exc.recipients.values())
        return f"{name}: the server refused the address ({codes})"
    detail = " ".join(str(arg) for arg in exc.args if isinstance(arg, str | int))
    status = getattr(exc, "status_code", None)
    label = f"{name} {status}" if status else name
    return f"{label}: {detail}"[:500] if detail else label


@dataclass(frozen=True)
class EmailChannel:
    """Django's email backend (anymail's, with a provider): today's only channel."""

    name: str = "email"

    def validate_recipient(self, recipient: str) -> bool:
        return is_valid_address(recipient)

    def build(self, delivery: Delivery) -> Any:
        return build_delivery_message(delivery)

    def send(self, message: Any) -> str:
        message.send()
        status = getattr(message, "anymail_status", None)
        message_id = getattr(status, "message_id", None)
        return "" if message_id is None else str(message_id)[:255]

    @contextmanager
    def session(self) -> Iterator[Sender]:
        """One backend connection (Django's `get_connection()`, anymail's with an
        ESP) for the messages sent in it, opened at the first send: a provider
        that cannot be reached fails that message like a lone send would,
        instead of the whole session."""
        connection = get_connection()
        opened = False

        def close() -> None:
            nonlocal opened
            if opened:
                opened = False
                # A connection that already broke may fail to say goodbye.
                with suppress(Exception):
                    connection.close()

        def send(message: Any) -> str:
            nonlocal opened
            try:
                if not opened:
                    connection.open()
                    opened = True
                message.connection = connection
                return self.send(message)
            except BaseException:
                # The next message starts on a fresh connection: after an SMTP
                # disconnect or a timeout this one may be unusable.
                close()
                raise

        try:
            yield send
        finally:
            close()

    def is_transient(self, exc: BaseException) -> bool:
        return is_transient(exc)

    def describe_error(self, exc: BaseException) -> str:
        return describe_send_error(exc)


EMAIL = register_channel(EmailChannel())
