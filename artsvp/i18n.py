"""Which language a page or an email is in: the one home.

Five languages (settings.LANGUAGES). Who reads what:

- a guest: the invite's language (set per batch, CSV column or API field,
  defaulting to the event's; the guest's switch on the page sticks for later
  emails; a shared (multi-use) link is everyone's: each visitor reads
  their own choice, the cookie, and the invite their answer creates keeps it);
- a portal owner: the language they claimed in (their browser's), then
  their switch, stored on the portal (`Portal.owner_reads`; a new owner
  starts from the event's); before a claim, the browser's;
- the organizer's team: the user's choice (organizations/preferences.py),
  else the browser (LocaleMiddleware: the switcher's cookie, then
  Accept-Language); team emails: the recipient's choice if they have an
  account with one, else the site's default.

Emails render in the outbox row's `Delivery.language`, or in the fresher one
their context builder returns (deliveries/rendering.py). Dates follow the
language's order (`date_pattern`), in the event's time zone.

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
from django.http import HttpRequest, HttpResponse
from django.utils import translation

LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _ in settings.LANGUAGES)
DEFAULT_LANGUAGE: str = settings.LANGUAGE_CODE


def recognized(code: str | None) -> str:
    """`code` as one of ours: exact, else its base language ("de-CH" -> "de"),
    or "" when we do not know it (a CSV cell or a field that then takes the
    batch's language)."""
    if not code:
        return ""
    normalized = str(code).strip().lower().replace("_", "-")
    if normalized in LANGUAGE_CODES:
        return normalized
    base = normalized.split("-", 1)[0]
    return base if base in LANGUAGE_CODES else ""


def supported(code: str | None, default: str | None = None) -> str:
    """`code` as one of ours (`recognized`), else `default` (itself checked),
    else the site's default: never an error."""
    return recognized(code) or recognized(default) or DEFAULT_LANGUAGE


def first_language(*codes: str | None) -> str:
    """The first of `codes` we know, else the site's default: a guest reads
    `first_language(invite.language, event.language)`, a portal owner
    `first_language(portal.owner_language, event.language)`. A stored code we
    no longer offer falls through to the next one."""
    for code in codes:
        chosen = recognized(code)
        if chosen:
            return chosen
    return DEFAULT_LANGUAGE


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


def active_language() -> str:
    return supported(translation.get_language())


def switcher_languages(codes: list[str] | None = None) -> list[dict[str, Any]]:
    """What templates/includes/_language_switch.html lists: `codes` (an event's
    languages; default: all five), each in its own name, the active one marked."""
    current = active_language()
    chosen = [code for code in dict.fromkeys(codes or LANGUAGE_CODES) if code in LANGUAGE_CODES]
    if current not in chosen:
        chosen.append(current)
    return [
        {"code": code, "name": language_name(code), "current": code == current} for code in chosen
    ]


def language_switch(
    action: str, codes: list[str] | None = None, *, next_url: str = ""
) -> dict[str, Any]:
    """What templates/includes/_language_switch.html needs: where each
    language's form posts, the languages (switcher_languages), and where to
    come back to (for Django's set_language; our own switch views know)."""
    return {"action": action, "languages": switcher_languages(codes), "next": next_url}


# The date patterns our pages and emails write, in English order ("Sat 14 Mar
# 2026, 11:00"), as each language orders them; Django translates the day and
# month names (D, M). French, Italian and Spanish read day-number-month in the
# English order ("sam. 14 mars"); German puts a full stop after the day's
# number and a comma after its name ("Sa., 14. Mär."). Times are 24-hour everywhere.
_DATE_PATTERNS: dict[str, dict[str, str]] = {
    "de": {
        "j M Y": "j. M Y",
        "j M Y, H:i": "j. M Y, H:i",
        "j M Y, H:i T": "j. M Y, H:i T",
        "j F Y, H:i e": "j. F Y, H:i e",
        "D j M Y": "D, j. M Y",
        "D j M Y, H:i": "D, j. M Y, H:i",
        "D j M, H:i": "D, j. M, H:i",
        "D j M, H:i T": "D, j. M, H:i T",
    },
}


def date_pattern(pattern: str, code: str | None = None) -> str:
    """`pattern` (a Django date format in our English order) as `code` (default:
    the active language) orders it; a pattern we do not know stays as it is."""
    chosen = supported(code or translation.get_language())
    return _DATE_PATTERNS.get(chosen, {}).get(pattern, pattern)


def set_language_cookie(response: HttpResponse, code: str) -> None:
    """Remember `code` as this browser's choice (LocaleMiddleware reads it), as
    Django's set_language view does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        supported(code),
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # a str setting; set_language passes it as it is too
    )


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
