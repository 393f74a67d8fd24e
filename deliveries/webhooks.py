"""The email provider's tracking webhook: anymail's view, guarded.

Only the configured provider's (`ANYMAIL_ESP`) tracking URL is mounted; the
other providers' views would answer any post, some with a 500 because their
own keys are not set. anymail's views leave error handling to Django, which
does not suit a URL open to the internet:

- without `WEBHOOK_SECRET` anymail accepts unauthenticated events: the guard
  refuses every post instead (the deploy check `artsvp.E001` says why);
- a forged post raises `AnymailWebhookValidationFailure` (a SuspiciousOperation:
  a 400, but logged as an error that emails ADMINS);
- a body of the wrong shape (not JSON, a JSON array, missing keys) raises
  whatever the provider's parser trips on (KeyError, AttributeError...): a 500
  the provider retries for days.

The guard answers 400 to all three, before any event reaches the outbox. An
error while applying a parsed event (the database is down) stays a 500, so
the provider delivers the event again later.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable
from typing import Any

from anymail.exceptions import AnymailInsecureWebhookWarning, AnymailWebhookValidationFailure
from anymail.urls import urlpatterns as anymail_urlpatterns
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import HttpRequest, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path
from django.views import View
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)


class MalformedWebhook(Exception):
    """The provider's parser could not read the body."""


def provider_tracking_pattern(esp: str) -> URLPattern | None:
    """anymail's tracking URL pattern for the provider `esp` (a backend name
    such as "postmark" or "amazon_ses"), or None when it has none."""
    if not esp:
        return None
    name = f"{esp}_tracking_webhook"
    return next((pattern for pattern in anymail_urlpatterns if pattern.name == name), None)


def view_class_of(callback: Callable[..., Any]) -> tuple[type[View], dict[str, Any]]:
    """The class and arguments behind a function made by `View.as_view()`."""
    # as_view() sets these two attributes on the function it returns; the stubs
    # type a URL pattern's callback as a plain callable.
    return callback.view_class, callback.view_initkwargs  # type: ignore[attr-defined]


def guarded_view_class(view_class: type[View]) -> type[View]:
    """A subclass of a provider's webhook view whose failures to authenticate
    or to read the body are told apart from failures to apply the events."""

    class Guarded(view_class):  # type: ignore[misc, valid-type]  # a class built from a value: the providers' view classes
        def __init__(self, **kwargs: Any) -> None:
            # The missing secret is refused below and reported by the deploy
            # check; anymail's warning on every request would add nothing.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AnymailInsecureWebhookWarning)
                super().__init__(**kwargs)

        def run_validators(self, request: HttpRequest) -> None:
            if not getattr(self, "basic_auth", None):
                raise AnymailWebhookValidationFailure(
                    f"No WEBHOOK_SECRET is configured: {self.esp_name} events are refused."
                )
            try:
                super().run_validators(request)
            except (SuspiciousOperation, ImproperlyConfigured):
                raise
            except Exception as exc:  # a signature check that could not read the body
                raise MalformedWebhook(f"{type(exc).__name__}: {exc}"[:300]) from exc

        def parse_events(self, request: HttpRequest) -> list[Any]:
            try:
                # list(): a parser that yields must fail here, not mid-dispatch.
                return list(super().parse_events(request))
            except (SuspiciousOperation, ImproperlyConfigured):
                raise
            except Exception as exc:
                raise MalformedWebhook(f"{type(exc).__name__}: {exc}"[:300]) from exc

    Guarded.__name__ = Guarded.__qualname__ = f"Guarded{view_class.__name__}"
    return Guarded


def guarded_tracking_view(
    view_class: type[View], **initkwargs: Any
) -> Callable[..., HttpResponseBase]:
    view = guarded_view_class(view_class).as_view(**initkwargs)

    @csrf_exempt
    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except (SuspiciousOperation, MalformedWebhook) as exc:
            # A warning, not an error: forged posts must not flood ADMINS.
            logger.warning("Refused an email tracking webhook post: %s", exc)
            return HttpResponseBadRequest()

    return guarded


def tracking_urlpatterns(esp: str) -> list[URLPattern]:
    """The provider's tracking URL (/anymail/<esp>/tracking/), guarded; none without a provider."""
    pattern = provider_tracking_pattern(esp)
    if pattern is None:
        return []
    view_class, initkwargs = view_class_of(pattern.callback)
    view = guarded_tracking_view(view_class, **initkwargs)
    return [path(str(pattern.pattern), view, name=pattern.name or "")]
