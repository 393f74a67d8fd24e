"""Keep secrets out of logs: one rule, `redact(text)`, for every log we write.

Portal links, guest links, team invitations, password reset and email
confirmation links are bearer secrets: whoever reads one in a log can act as
its owner. So is the `session_id` of a Stripe Checkout success URL (it shows
the purchase) and any `code`, `key` or `token` in a query string. Django's
logging (`RedactTokensFilter` on the handlers in settings.LOGGING, and
`RedactingAdminEmailHandler` for the error emails to ADMINS) and
gunicorn's access and error logs (`gunicorn.conf.py`) both call `redact()`.

The rule needs no configured Django, so gunicorn's master process can use it
before the app is loaded. `tests/artsvp/test_access_log.py` walks the URLconf and fails when
a URL parameter that carries a secret is not covered by `SECRET_PATH_PREFIXES`,
or when a new parameter name is not classified as secret or public.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, unquote

from django.conf import settings
from django.utils.functional import Promise
from django.utils.log import AdminEmailHandler

REDACTED = "[redacted]"

# URL paths whose next segment is a secret, as the URLconf spells them:
# invites.owner.urls (p/<token>/...), invites.urls (i/<token>/),
# organizations.urls (invitations/<token>/), allauth's
# confirm-email/<key>/ and password/reset/key/<uidb36>-<key>/.
SECRET_PATH_PREFIXES = (
    "/p/",
    "/i/",
    "/invitations/",
    "/accounts/confirm-email/",
    "/accounts/password/reset/key/",
)
# Query parameters whose value is a secret (compared case-insensitively).
SECRET_QUERY_PARAMETERS = frozenset(
    {"session_id", "code", "key", "token", "secret", "password", "signature", "api_key"}
)

# A path starts a log field, follows a quote, a separator or "=" (next=/p/...),
# or follows scheme://host in a full URL (a Referer). A path that merely
# contains "/p/" further down (/o/acme/events/p/) is not a secret link.
_PATH_LEAD = r"(?P<lead>^|[\s\"'=(,;<\[]|[A-Za-z][A-Za-z0-9+.\-]*://[^/\s\"'?#]*)"
_SECRET_PATH = re.compile(
    _PATH_LEAD
    + "(?P<prefix>"
    + "|".join(re.escape(prefix) for prefix in SECRET_PATH_PREFIXES)
    + r")(?P<secret>[^/?#\s\"'<>]+)"
)
_SECRET_QUERY = re.compile(
    r"(?P<lead>^|[?&;\"'])(?P<name>[^=&?#\s\"'<>]+)=(?P<value>[^&#\s\"'<>]*)"
)
# A run of URL-ish text with a percent escape in it: /%70/<token>/ reaches the
# same view as /p/<token>/, and next=%2Fp%2F<token>%2F carries the same link.
_ENCODED_RUN = re.compile(r"[^\s\"'<>]*%[0-9A-Fa-f]{2}[^\s\"'<>]*")
# Characters left as they are when a decoded, redacted run is written back.
_URL_SAFE = "/?#&=:;@+,[]!$()*~"


def _redact_path(match: re.Match[str]) -> str:
    return f"{match['lead']}{match['prefix']}{REDACTED}"


def _redact_query(match: re.Match[str]) -> str:
    if match["name"].lower() in SECRET_QUERY_PARAMETERS and match["value"]:
        return f"{match['lead']}{match['name']}={REDACTED}"
    return match.group()


def _redact_plain(text: str) -> str:
    text = _SECRET_PATH.sub(_redact_path, text)
    if "=" in text:
        text = _SECRET_QUERY.sub(_redact_query, text)
    return text


def _redact_encoded(match: re.Match[str]) -> str:
    run = match.group()
    decoded = unquote(run)
    redacted = _redact_plain(decoded)
    if redacted == decoded:
        return _redact_plain(run)
    # Written back encoded, so a decoded quote or newline cannot forge a log line.
    return quote(redacted, safe=_URL_SAFE)


def redact(text: str) -> str:
    """`text` with every secret path segment and secret query value replaced."""
    if "%" in text:
        text = _ENCODED_RUN.sub(_redact_encoded, text)
    return _redact_plain(text)


class RedactTokensFilter(logging.Filter):
    """Redacts the formatted message and the traceback of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let the handler report it as usual
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text, so the traceback is written redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingAdminEmailHandler(AdminEmailHandler):
    """Django's error emails to ADMINS, with `redact()` on subject, text and HTML.

    The report lists the request's URL, GET parameters and headers (Referer),
    which the filter on the record cannot reach.
    """

    def emit(self, record: logging.LogRecord) -> None:
        # Django skips building the report when nobody would receive it, but only
        # when send_mail is its own.
        if settings.ADMINS:
            super().emit(record)

    def send_mail(
        self, subject: str | Promise, message: str | Promise, *args: Any, **kwargs: Any
    ) -> None:
        if kwargs.get("html_message"):
            kwargs["html_message"] = redact(kwargs["html_message"])
        text = _REPORT_PARAMETER.sub(_redact_report_parameter, redact(str(message)))
        super().send_mail(redact(str(subject)), text, *args, **kwargs)


# The report's GET section lists parameters one a line: code = '123456'.
_REPORT_PARAMETER = re.compile(r"^(?P<name>\w+) = (?P<value>.+)$", re.MULTILINE)


def _redact_report_parameter(match: re.Match[str]) -> str:
    if match["name"].lower() in SECRET_QUERY_PARAMETERS:
        return f"{match['name']} = '{REDACTED}'"
    return match.group()
