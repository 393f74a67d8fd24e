"""A person's language: their choice on the account page, else the browser's.

Tenant-free (UserPreference belongs to the user, whatever organization they
work in). The middleware activates the choice on every page a signed-in
user opens; pages that read someone else's language (a guest's invite, a
portal owner's) switch again in their views (artsvp/i18n.py `use_language`).
Emails to the organizer's team read `languages_by_email`: a recipient who is
a user with a choice gets it, anyone else the site's default.

The choice is kept in the session beside the user's id (copied at sign-in,
and when they change it), so a page costs no query for it; a session from
before that copy reads it once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse

from artsvp.i18n import recognized, use_language
from organizations.models import UserPreference

SESSION_KEY = "user_language"


def user_language(user: Any) -> str:
    """The user's chosen language, "" for the browser's."""
    if not getattr(user, "pk", None):
        return ""
    stored = UserPreference.objects.filter(user_id=user.pk).values_list("language", flat=True)
    return recognized(stored.first())


def set_user_language(user: Any, code: str, *, request: HttpRequest | None = None) -> str:
    """Store `user`'s choice ("" or unknown: the browser's) and, with `request`,
    serve the rest of it in the choice. Returns what was stored."""
    chosen = recognized(code)
    UserPreference.objects.update_or_create(user=user, defaults={"language": chosen})
    if request is not None:
        request.session[SESSION_KEY] = {"user": user.pk, "language": chosen}
        if chosen:
            use_language(request, chosen)
    return chosen


def languages_by_email(emails: Iterable[str]) -> dict[str, str]:
    """{lowercased email: chosen language} of the users with these emails who chose one."""
    wanted = {email.strip().lower() for email in emails if email}
    if not wanted:
        return {}
    rows = (
        UserPreference.objects.annotate(email=Lower("user__email"))
        .filter(email__in=sorted(wanted))
        .exclude(language="")
    )
    return {
        email: recognized(language)
        for email, language in rows.values_list("email", "language")
        if recognized(language)
    }


def language_of_email(email: str) -> str:
    return languages_by_email([email]).get(email.strip().lower(), "")


def remember_language_at_login(
    sender: Any, request: HttpRequest | None, user: Any, **_: Any
) -> None:
    """On sign-in, keep the user's language in their new session (read by the middleware)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = {"user": user.pk, "language": user_language(user)}


class UserLanguageMiddleware:
    """A signed-in user's chosen language on every page (after
    AuthenticationMiddleware and LocaleMiddleware); without a choice,
    LocaleMiddleware's browser language stays."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            remembered = request.session.get(SESSION_KEY)
            if not isinstance(remembered, dict) or remembered.get("user") != user.pk:
                remembered = {"user": user.pk, "language": user_language(user)}
                request.session[SESSION_KEY] = remembered
            chosen = recognized(remembered.get("language"))
            if chosen:
                use_language(request, chosen)
        return self.get_response(request)
