"""Emails are a subject/text/html triple of templates, rendered by name.

`templates/emails/<name>-subject.txt`, `<name>-body.txt`, `<name>-body.html`
(healthchecks' hc/lib/emails.py). Subjects are flattened to one line so no
value can inject a header.

All three parts come back as plain `str`, never a SafeString: the text
templates render with autoescape off (a guest's name reads as written), so
their output is raw user text, and a page that shows it must escape it. The
HTML part is escaped by its template, but it is a whole document: pages show
it only through the preview frame's own response, never inside theirs.

A message may carry files (`Attachment`): a calendar entry, an image. An
image with an `inline_id` is shown inside the HTML part (`<img
src="cid:<inline_id>">`): the message becomes multipart/related.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email import encoders
from email.mime.base import MIMEBase
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from artsvp import i18n


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str

    def __post_init__(self) -> None:
        # However it was built, no part reaches a template marked safe.
        for part in ("subject", "text", "html"):
            object.__setattr__(self, part, plain(getattr(self, part)))


def plain(value: str) -> str:
    """`value` as an exact `str`. `str()` would keep a SafeString (its
    `__str__` returns itself, and so may any subclass's), and a template
    would then print the guest's markup as it is."""
    return str.__str__(value)


def one_line(value: str) -> str:
    return plain(" ".join(value.split()))


ContextHook = Callable[[dict[str, Any]], dict[str, Any]]
# Values every email's context gains from the apps above (the brand in force:
# events/brand.py), keyed by the hook's name so a re-imported module replaces it.
_CONTEXT_HOOKS: dict[str, ContextHook] = {}


def add_email_context(hook: ContextHook) -> ContextHook:
    """Register `hook(context) -> extra values` for every email rendered."""
    _CONTEXT_HOOKS[f"{hook.__module__}.{hook.__qualname__}"] = hook
    return hook


def render_email(
    name: str, context: dict[str, Any], *, language: str | None = None
) -> RenderedEmail:
    """The three parts of `name`, in `language` (artsvp.i18n.language: an
    unknown code reads as the site's default; None: the one in force). The
    hooks' values (the brand) are computed in it too."""
    with i18n.language(language or translation.get_language()) as chosen:
        context = {
            "site_url": settings.SITE_URL,
            "site_name": settings.SITE_NAME,
            **context,
            "LANGUAGE_CODE": chosen,
        }
        for hook in _CONTEXT_HOOKS.values():
            context.update(hook(context))
        return RenderedEmail(
            subject=one_line(render_to_string(f"emails/{name}-subject.txt", context)),
            text=plain(render_to_string(f"emails/{name}-body.txt", context)),
            html=plain(render_to_string(f"emails/{name}-body.html", context)),
        )


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email. `params` are extra Content-Type parameters
    (`method=REQUEST` for a calendar invitation); `inline_id` makes it an
    inline part the HTML refers to as `cid:<inline_id>`."""

    filename: str
    content: bytes
    mimetype: str
    params: Mapping[str, str] = field(default_factory=dict)
    inline_id: str = ""

    def mime_part(self) -> MIMEBase:
        maintype, subtype = self.mimetype.split("/", 1)
        part = MIMEBase(maintype, subtype)
        for name, value in self.params.items():
            part.set_param(name, value)
        part.set_payload(self.content)
        encoders.encode_base64(part)
        disposition = "inline" if self.inline_id else "attachment"
        part.add_header("Content-Disposition", disposition, filename=self.filename)
        if self.inline_id:
            part.add_header("Content-ID", f"<{self.inline_id}>")
        return part


def build_message(
    name: str,
    to: str,
    context: dict[str, Any],
    *,
    reply_to: str | None = None,
    attachments: Sequence[Attachment] = (),
    language: str | None = None,
) -> EmailMultiAlternatives:
    email = render_email(name, context, language=language)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
    )
    message.attach_alternative(email.html, "text/html")
    for attachment in attachments:
        message.attach(attachment.mime_part())
    if any(attachment.inline_id for attachment in attachments):
        message.mixed_subtype = "related"
    return message


def send_email(name: str, to: str, context: dict[str, Any], **kwargs: Any) -> Any:
    """Render and send now; returns the sent message (anymail adds `anymail_status`).

    Call it from Celery tasks, never from a request.
    """
    message = build_message(name, to, context, **kwargs)
    message.send()
    return message
