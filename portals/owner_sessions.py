"""How a browser is signed in to a portal.

A portal owner has no account: the session remembers, per portal, the owner
email it was signed in as (by claiming, or with a one-time code). Access
holds only while that is still the portal's owner email, so when the
organizer changes the owner's address every browser of the previous owner
loses access at once, without anyone touching sessions.
"""

from __future__ import annotations

import enum

from django.http import Http404, HttpRequest

from portals.models import Portal

SESSION_KEY = "portal_owner"


def sign_in_owner(request: HttpRequest, portal: Portal) -> None:
    # A new session key on every sign-in, so a session id planted before
    # the owner signed in (session fixation) never gains the portal.
    request.session.cycle_key()
    signed_in = dict(request.session.get(SESSION_KEY, {}))
    signed_in[portal.public_id] = portal.owner_email.lower()
    request.session[SESSION_KEY] = signed_in


def sign_out_owner(request: HttpRequest, public_id: str) -> None:
    signed_in = dict(request.session.get(SESSION_KEY, {}))
    signed_in.pop(public_id, None)
    request.session[SESSION_KEY] = signed_in


def has_owner_access(request: HttpRequest, portal: Portal) -> bool:
    email = request.session.get(SESSION_KEY, {}).get(portal.public_id)
    return (
        email is not None
        and not portal.is_unassigned
        and bool(portal.owner_email)
        and portal.owner_email.lower() == email
    )


class OwnerAccess(enum.Enum):
    """What an owner URL shows this browser (see `owner_access`)."""

    SIGNED_IN = "signed_in"
    # Never signed in to it here (a bookmark, a new device): sign in with a code.
    SIGN_IN = "sign_in"
    # Signed in as an address that is no longer the owner's.
    HANDED_OVER = "handed_over"
    REVOKED = "revoked"
    # Nobody claimed it yet: only its secret link can.
    NOT_CLAIMED = "not_claimed"


def owner_access(request: HttpRequest, public_id: str) -> tuple[Portal, OwnerAccess]:
    """The portal an owner URL names and what this browser may see of it; 404
    only for a public id that names no portal."""
    portal = (
        Portal.objects.select_related("group__event", "organization")
        .filter(public_id=public_id)
        .first()
    )
    if portal is None:
        raise Http404("No such portal.")
    if portal.is_revoked:
        return portal, OwnerAccess.REVOKED
    if has_owner_access(request, portal):
        return portal, OwnerAccess.SIGNED_IN
    if portal.is_unassigned:
        return portal, OwnerAccess.NOT_CLAIMED
    if public_id in request.session.get(SESSION_KEY, {}):
        return portal, OwnerAccess.HANDED_OVER
    return portal, OwnerAccess.SIGN_IN


def remembered_email(request: HttpRequest, public_id: str) -> str:
    """The address to prefill on a portal's sign-in form: the one this browser
    used for the portal, else the one it uses for all its other portals."""
    signed_in: dict[str, str] = request.session.get(SESSION_KEY, {})
    if public_id in signed_in:
        return signed_in[public_id]
    emails = set(signed_in.values())
    return emails.pop() if len(emails) == 1 else ""


def owner_portal_or_404(request: HttpRequest, public_id: str) -> Portal:
    """The portal this browser is signed in to, or 404 (also for a revoked portal's
    former owner: the view shows them the revoked page when `is_revoked` says so)."""
    if public_id not in request.session.get(SESSION_KEY, {}):
        raise Http404("No such portal.")
    portal = (
        Portal.objects.select_related("group__event", "organization")
        .filter(public_id=public_id)
        .first()
    )
    if portal is None or not has_owner_access(request, portal):
        raise Http404("No such portal.")
    return portal


def live_owner_portal_or_404(request: HttpRequest, public_id: str) -> Portal:
    """`owner_portal_or_404`, and 404 too once the portal is revoked: for the
    downloads and sends a revoked portal no longer offers (its pages show the
    revoked page instead)."""
    portal = owner_portal_or_404(request, public_id)
    if portal.is_revoked:
        raise Http404("This portal has been revoked.")
    return portal
