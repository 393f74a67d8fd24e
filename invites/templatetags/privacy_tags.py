"""`{% privacy_notice invite %}` / `{% privacy_notice portal=portal %}`: the
notice under every form where a guest or a portal's owner types their email
(invites/privacy.py decides what it says)."""

from __future__ import annotations

from typing import Any

from django import template

from invites.models import Invite
from invites.privacy import claim_notice, guest_notice
from portals.models import Portal

register = template.Library()


@register.inclusion_tag("includes/_privacy_notice.html")
def privacy_notice(invite: Invite | None = None, *, portal: Portal | None = None) -> dict[str, Any]:
    if invite is not None:
        return {"notice": guest_notice(invite)}
    if portal is not None:
        return {"notice": claim_notice(portal)}
    return {"notice": None}
