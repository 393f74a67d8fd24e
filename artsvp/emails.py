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

Who a message is from: always the platform's verified address
(settings.DEFAULT_FROM_EMAIL's), with a display name saying on whose behalf
it goes. A context builder (or the brand hook, events/brand.py) sets
`from_name` and, for an exhibitor's mail, `from_via` (the organizer): the
name is built here alone (`sender_display_name`), at render time, so "via"
reads in the language the email renders in and no name can add a header.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email import encoders
from email.headerregistry import Address
from email.mime.base import MIMEBase
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from artsvp import i18n


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    # The From header ("Galerie Nord via Basel Art Week" <noreply@...>).
    from_email: str = ""

    def __post_init__(self) -> None:
        # However it was built, no part reaches a template marked safe.
        if not self.from_email:
            object.__setattr__(self, "from_email", from_header(""))
        for part in ("subject", "text", "html", "from_email"):
            object.__setattr__(self, part, plain(getattr(self, part)))


def plain(value: str) -> str:
    """`value` as an exact `str`. `str()` would keep a SafeString (its
    `__str__` returns itself, and so may any subclass's), and a template
    would then print the guest's markup as it is."""
    return str.__str__(value)


def one_line(value: str) -> str:
    return plain(" ".join(value.split()))


# A display name longer than this is cut (with an ellipsis): mail clients
# show about this much, and a header line stays short.
MAX_DISPLAY_NAME = 78
# "Galerie Nord via Basel Art Week"; pages that preview the line live format it too.
VIA_FORMAT = gettext_noop("%(sender)s via %(organization)s")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def _clean_name(value: str) -> str:
    """One line, no control characters (CR/LF cannot start a new header)."""
    return " ".join(_CONTROL.sub(" ", plain(str(value or ""))).split())


def sender_display_name(name: str, *, via: str = "") -> str:
    """The From line's name: "Galerie Nord via Basel Art Week", or "Basel Art
    Week" alone. The one home of that rule; "via" is translated in the
    language in force (the email's). Control characters become spaces and the
    whole is at most MAX_DISPLAY_NAME characters."""
    name, via = _clean_name(name), _clean_name(via)
    if not (name and via) or name.casefold() == via.casefold():
        return _cut(name or via, MAX_DISPLAY_NAME)

    def compose(sender: str) -> str:
        return gettext(VIA_FORMAT) % {"sender": sender, "organization": via}

    shown = compose(name)
    excess = len(shown) - MAX_DISPLAY_NAME
    if excess > 0:
        # The sender's part is cut first: "via <organizer>" stays whole.
        shown = compose(_cut(name, max(2, len(name) - excess)))
    return _cut(shown, MAX_DISPLAY_NAME)


def _cut(value: str, length: int) -> str:
    return value if len(value) <= length else value[: length - 1].rstrip() + "…"


def from_address() -> str:
    """The platform's verified address, from DEFAULT_FROM_EMAIL (its own name dropped)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


def default_from_name() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[0]


def from_header(name: str, *, via: str = "") -> str:
    """The whole From header value: the display name quoted as RFC 5322 needs
    (quotes, commas, non-ASCII: email.headerregistry), the platform's address."""
    display = sender_display_name(name, via=via) or default_from_name()
    return str(Address(display_name=display, addr_spec=from_address()))


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
    hooks' values (the brand) and the From line are computed in it too."""
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
            from_email=from_header(
                str(context.get("from_name") or ""), via=str(context.get("from_via") or "")
            ),
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
    from_name: str | None = None,
    language: str | None = None,
) -> EmailMultiAlternatives:
    """`from_name` (else the context's) names who the message is from; the
    address is always the platform's. `language`: the recipient's."""
    if from_name is not None:
        context = {**context, "from_name": from_name}
    email = render_email(name, context, language=language)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=email.from_email,
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
