"""What Django's error reports (the emails to ADMINS) may show.

A report prints the settings, the request's headers, cookies and form fields,
and every local variable of the traceback. `CredentialFilter`
(settings.DEFAULT_EXCEPTION_REPORTER_FILTER) replaces with stars:

- anything whose name says it is a credential (`CREDENTIAL_NAMES`: a setting,
  a key at any depth of a setting's dicts, a header, a cookie, a form field,
  a local variable);
- whatever its name, the password of a URL (`scheme://user:password@host`),
  an `Authorization`-style value (`Basic ...`, `Bearer ...`) and an API key,
  at any depth of dicts, lists and tuples, and in the text of other objects.

Django's own filter misses the values (CACHES' LOCATION and
CELERY_BROKER_URL print their Redis password) and the unusual names (a
`DATABASE_URL` environment variable in runserver's request META). The
settings module keeps no raw credential URL of its own (`_database_url`,
`_redis_url` are not settings). Secret links and query values in the URL are
artsvp.logging's business (`redact`, applied to the whole email).
"""

from __future__ import annotations

import re
from pprint import pformat
from typing import Any

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# Names of settings, headers (META), cookies, form fields and variables that
# hold credentials. Matched anywhere in the name, case-insensitively; "URL"
# only as a word of the name (CELERY_BROKER_URL, not ROOT_URLCONF).
CREDENTIAL_NAMES = re.compile(
    r"API|AUTH|TOKEN|KEY|SECRET|PASS|PWD|SIGNATURE|CREDENTIAL|PRIVATE|COOKIE|SESSION|CSRF"
    r"|DSN|BROKER|LOCATION|(?:^|_)URLS?(?:$|_)|(?:^|_)URIS?(?:$|_)",
    flags=re.IGNORECASE,
)

SUBSTITUTE = SafeExceptionReporterFilter.cleansed_substitute

# scheme://user:password@host: the password up to the last "@" of the authority.
_URL_PASSWORD = re.compile(r"(?P<lead>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)[^\s/]+@")
_AUTHORIZATION_VALUE = re.compile(
    r"\b(?P<scheme>Basic|Bearer|Token|Digest|ApiKey|Api-Key)\s+[^\s\"',;]+", flags=re.IGNORECASE
)
_API_KEY = re.compile(r"\bak_live_[A-Za-z0-9_-]+")
# How deep nested settings and variables are followed (a structure that
# contains itself must not hang the report).
_MAX_DEPTH = 20


def scrub(text: str) -> str:
    """`text` with URL passwords, Authorization-style values and API keys starred."""
    if "://" in text:
        text = _URL_PASSWORD.sub(lambda match: f"{match['lead']}{SUBSTITUTE}@", text)
    text = _AUTHORIZATION_VALUE.sub(lambda match: f"{match['scheme']} {SUBSTITUTE}", text)
    return _API_KEY.sub(SUBSTITUTE, text)


class _Scrubbed:
    """An object shown in a report by its scrubbed text (a report prints repr())."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class CredentialFilter(SafeExceptionReporterFilter):
    hidden_settings = CREDENTIAL_NAMES

    def cleanse_setting(self, key: Any, value: Any, _depth: int = 0) -> Any:
        if _depth > _MAX_DEPTH:
            return SUBSTITUTE
        if isinstance(value, (dict, list, tuple)) and not self._is_hidden(key):
            depth = _depth + 1
            if isinstance(value, dict):
                return {k: self.cleanse_setting(k, v, depth) for k, v in value.items()}
            cleansed = [self.cleanse_setting("", v, depth) for v in value]
            return cleansed if isinstance(value, list) else tuple(cleansed)
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            return scrub(cleansed)
        if isinstance(cleansed, bytes):
            return scrub(cleansed.decode("utf-8", "replace"))
        return cleansed

    def _is_hidden(self, key: Any) -> bool:
        if key == settings.SESSION_COOKIE_NAME:
            return True
        return isinstance(key, str) and bool(self.hidden_settings.search(key))

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        parameters = super().get_post_parameters(request)
        # Django answers request.POST (a QueryDict), or {} without a request.
        if not parameters or not isinstance(parameters, QueryDict):
            return parameters
        cleansed = parameters.copy()
        for name in cleansed:
            if self._is_hidden(name):
                cleansed.setlist(name, [SUBSTITUTE])
            else:
                cleansed.setlist(
                    name, [self.cleanse_setting("", v) for v in cleansed.getlist(name)]
                )
        return cleansed

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        return [
            (name, self._cleanse_variable(name, value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

    def _cleanse_variable(self, name: str, value: Any) -> Any:
        if value is SUBSTITUTE:
            return value
        if self._is_hidden(name):
            return SUBSTITUTE
        if isinstance(value, (str, bytes, dict, list, tuple)):
            return self.cleanse_setting("", value)
        try:
            text = pformat(value)
        except Exception:  # the report shows its own "Error in formatting"
            return value
        scrubbed = scrub(text)
        return value if scrubbed == text else _Scrubbed(scrubbed)


class CredentialExceptionReporter(ExceptionReporter):
    """The exception's own message is scrubbed too (a driver error that quotes a DSN)."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if isinstance(data.get("exception_value"), str):
            data["exception_value"] = scrub(data["exception_value"])
        for frame in data.get("frames", []):
            if isinstance(frame.get("exc_cause"), BaseException):
                frame["exc_cause"] = scrub(str(frame["exc_cause"]))
        return data
