"""Emails are a subject/text/html triple of templates, rendered by name.

`templates/emails/<name>-subject.txt`, `<name>-body.txt`, `<name>-body.html`
(healthchecks' hc/lib/emails.py). Subjects are flattened to one line so no
value can inject a header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def one_line(value: str) -> str:
    return " ".join(value.split())


def render_email(name: str, context: dict[str, Any]) -> RenderedEmail:
    context = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, **context}
    return RenderedEmail(
        subject=one_line(render_to_string(f"emails/{name}-subject.txt", context)),
        text=render_to_string(f"emails/{name}-body.txt", context),
        html=render_to_string(f"emails/{name}-body.html", context),
    )


def build_message(
    name: str, to: str, context: dict[str, Any], *, reply_to: str | None = None
) -> EmailMultiAlternatives:
    email = render_email(name, context)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
    )
    message.attach_alternative(email.html, "text/html")
    return message


def send_email(name: str, to: str, context: dict[str, Any], **kwargs: Any) -> Any:
    """Render and send now; returns the sent message (anymail adds `anymail_status`).

    Call it from Celery tasks, never from a request.
    """
    message = build_message(name, to, context, **kwargs)
    message.send()
    return message
