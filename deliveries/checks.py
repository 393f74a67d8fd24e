"""Deploy checks for the email provider's tracking webhook (deliveries/webhooks.py).

Here rather than in artsvp/: they read which provider view deliveries mounts.
"""

from __future__ import annotations

from typing import Any

from anymail.utils import get_anymail_setting
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from deliveries.webhooks import guarded_view_class, provider_tracking_pattern, view_class_of


def _webhook_secrets() -> list[str]:
    secret = get_anymail_setting("webhook_secret", default=[])
    return [secret] if isinstance(secret, str) else list(secret or [])


@register(Tags.security, deploy=True)
def check_tracking_webhook(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    esp = getattr(settings, "ANYMAIL_ESP", "")
    pattern = provider_tracking_pattern(esp)
    if pattern is None:
        return []
    errors = []
    secrets = _webhook_secrets()
    if not secrets or not all(":" in secret and secret.split(":", 1)[1] for secret in secrets):
        errors.append(
            Error(
                f"ANYMAIL_ESP={esp} without a webhook secret: its tracking webhook "
                f"/anymail/{esp}/tracking/ refuses every event.",
                hint=(
                    "Set ANYMAIL_WEBHOOK_SECRET to a random 'user:password' and put it in "
                    "the webhook URL at the provider: https://user:password@<host>/anymail/"
                    f"{esp}/tracking/"
                ),
                id="artsvp.E001",
            )
        )
    view_class, initkwargs = view_class_of(pattern.callback)
    try:
        guarded_view_class(view_class)(**initkwargs)
    except ImproperlyConfigured as exc:
        errors.append(
            Error(
                f"The {esp} tracking webhook cannot start: {exc}",
                hint="Set the ANYMAIL_<SETTING> variable it names.",
                id="artsvp.E002",
            )
        )
    return errors
