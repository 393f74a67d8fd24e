"""Which language a page or an email is in: the one home.

Five languages (settings.LANGUAGES). Who reads what:

- a guest: the invite's language (set per batch, CSV column or API field,
  defaulting to the event's; the guest's switch on the page sticks for later
  emails);
- a portal owner: the language they chose, stored on the portal;
- the organizer's team: the user's choice, else the browser
  (LocaleMiddleware: the switcher's cookie, then Accept-Language).

Any code from outside (a CSV cell, an API field, a header) goes through
`supported()`: "de-CH" reads German, an unknown code falls back, never errors.

Texts the organizer writes (an event's description, a group's
instructions, ...) may have one version per language of the event, kept in the
model's `translations` JSON ({"de": {"description": "..."}}); `localized()`
reads the one in force, falling back to the default text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _ in settings.LANGUAGES)
DEFAULT_LANGUAGE: str = settings.LANGUAGE_CODE


def supported(code: str | None, default: str | None = None) -> str:
    """`code` as one of ours: exact, else its base language ("fr-CH" -> "fr"),
    else `default` (itself checked), else the site's default."""
    fallback = DEFAULT_LANGUAGE if default is None else supported(default)
    if not code:
        return fallback
    code = str(code).strip().lower().replace("_", "-")
    if code in LANGUAGE_CODES:
        return code
    base = code.split("-", 1)[0]
    return base if base in LANGUAGE_CODES else fallback


def is_supported(code: str | None) -> bool:
    return bool(code) and supported(code, default="") == str(code).strip().lower()


def language_name(code: str) -> str:
    """The language's own name ("Deutsch"), as a switcher shows it."""
    return dict(settings.LANGUAGES).get(supported(code), code)


def language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


def use_language(request: HttpRequest, code: str | None) -> str:
    """Serve the rest of this request in `code` (a view reading an invite's or a
    portal owner's language). LocaleMiddleware's response step then sends the
    matching Content-Language."""
    language = supported(code)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


@contextmanager
def language(code: str | None) -> Iterator[str]:
    """Render an email or an export in `code`, whatever the request's language."""
    chosen = supported(code)
    with translation.override(chosen):
        yield chosen


def localized(obj: Any, field: str, code: str | None = None, *, fallback: Any = None) -> str:
    """`obj.<field>` in `code` (default: the active language) when the organizer
    wrote a version in it, else the default text: `obj.<field>`, or `fallback`
    for a text kept only per language (an event's invite subject falls back to
    our standard one)."""
    chosen = supported(code or translation.get_language())
    versions = getattr(obj, "translations", None) or {}
    text = (versions.get(chosen) or {}).get(field)
    if text:
        return str(text)
    return str(getattr(obj, field) if fallback is None else fallback)


def with_versions(
    stored: Mapping[str, Mapping[str, str]] | None, versions: Mapping[str, Mapping[str, str]]
) -> dict[str, dict[str, str]]:
    """`stored` translations with `versions` written over them, field by field:
    a text sets its language's version, an empty one removes it, and a language
    left without texts goes. Languages and fields not in `versions` keep theirs
    (a language the event no longer offers keeps its texts, unused)."""
    merged = {code: dict(texts) for code, texts in (stored or {}).items() if texts}
    for code, texts in versions.items():
        current = merged.setdefault(code, {})
        for field, text in texts.items():
            if text:
                current[field] = text
            else:
                current.pop(field, None)
        if not current:
            del merged[code]
    return merged
