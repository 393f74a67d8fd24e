"""Which language a guest's pages are in (artsvp/i18n.py is the rule's home;
this reads it for an invite): the invite's, and on a shared link the
visitor's own choice."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from artsvp.i18n import recognized, use_language
from invites.models import Invite


def serve_guest_language(request: HttpRequest, invite: Invite) -> str:
    """Serve the rest of the request in the guest's language. A multi-use link
    is shared: each visitor's own choice (the switcher's cookie), else the link's."""
    if invite.is_multi_use:
        chosen = recognized(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        return use_language(request, chosen or invite.guest_language)
    return use_language(request, invite.guest_language)
