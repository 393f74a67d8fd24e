"""django-allauth hooks: account emails share the app's name and look."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from artsvp.ratelimit import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # The HTML bodies extend emails/_layout.html, which signs with the site name.
        context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
        super().send_mail(template_prefix, email, context)

    def get_client_ip(self, request: HttpRequest) -> str:
        # One rule for "who is the client" (TRUSTED_PROXY_HOPS), shared with our
        # own rate limits. allauth's own reading raises a 500 when a client
        # sends fewer X-Forwarded-For entries than the proxies we trust.
        return client_ip(request)
