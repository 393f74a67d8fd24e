"""Where the apps above organizations plug in; they register from their AppConfig.ready().

Organizations sits below credits and the other domain apps, so it cannot call
them:
- an app that keeps rows per organization (credits: its accounts) registers
  an organization-created hook; `create_organization` runs every hook inside
  its transaction, so an organization never exists without them;
- the API keys page's curl example names real rows of the apps above (a
  claimed portal): they register an example provider;
- event staff (restricted members, Membership.is_restricted) hold per-event
  grants that live in the door: the door registers what organizations needs
  to know of them (`register_event_staff`): which events a member's active
  grants open (read on every request by `organization_view`), their landing
  page, and a one-line summary per member for the team page;
- a team invitation may carry things waiting for the person who accepts it
  (the door's pending grants): `on_member_joined` hooks run inside the
  transaction that accepts it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from organizations.models import Membership, Organization, TeamInvitation

OrganizationCreatedHook = Callable[[Organization], None]

_created_hooks: list[OrganizationCreatedHook] = []


def on_organization_created(hook: OrganizationCreatedHook) -> OrganizationCreatedHook:
    """Run `hook(organization)` in the transaction that creates each organization."""
    # ready() can run twice (tests that reload apps): register a hook once.
    if hook not in _created_hooks:
        _created_hooks.append(hook)
    return hook


def run_organization_created_hooks(organization: Organization) -> None:
    for hook in _created_hooks:
        hook(organization)


# --- The API keys page's curl example -----------------------------------------------

# What the example shows when no app provides a real row.
API_EXAMPLE_DEFAULTS: dict[str, Any] = {
    "example_portal_id": "PORTAL_ID",
    "example_portal_name": "",
}

ApiExampleProvider = Callable[[Organization], Mapping[str, Any]]

_api_example_providers: list[ApiExampleProvider] = []


def api_example(provider: ApiExampleProvider) -> ApiExampleProvider:
    """Let `provider(organization)` fill in the curl example's placeholders (a real id)."""
    if provider not in _api_example_providers:
        _api_example_providers.append(provider)
    return provider


def api_example_context(organization: Organization) -> dict[str, Any]:
    context = dict(API_EXAMPLE_DEFAULTS)
    for provider in _api_example_providers:
        context.update(provider(organization))
    return context


# --- Event staff: their grants live in the door --------------------------------------


@dataclass(frozen=True)
class EventStaff:
    """What the door tells organizations about restricted members."""

    # The ids of the events the membership's active grants open now (read
    # fresh on every request: a revoked or expired grant stops at once).
    granted_event_ids: Callable[[Membership], frozenset[int]]
    # A restricted member's landing page (/o/<org>/): their events.
    home: Callable[[HttpRequest], HttpResponseBase]
    # Per restricted membership id, a line for the team page ("Spring Fair until 4 May").
    summaries: Callable[[Organization], Mapping[int, list[str]]]


_event_staff: list[EventStaff] = []


def register_event_staff(provider: EventStaff) -> EventStaff:
    """The door's provider; registering again replaces it (ready() may run twice)."""
    _event_staff[:] = [provider]
    return provider


def event_staff() -> EventStaff | None:
    """The registered provider; None when no app has one (every restricted
    member then has no grant: they are let in nowhere)."""
    return _event_staff[0] if _event_staff else None


MemberJoinedHook = Callable[[Membership, TeamInvitation], None]

_joined_hooks: list[MemberJoinedHook] = []


def on_member_joined(hook: MemberJoinedHook) -> MemberJoinedHook:
    """Run `hook(membership, invitation)` in the transaction that accepts each
    team invitation (under the organization's lock)."""
    if hook not in _joined_hooks:
        _joined_hooks.append(hook)
    return hook


def run_member_joined_hooks(membership: Membership, invitation: TeamInvitation) -> None:
    for hook in _joined_hooks:
        hook(membership, invitation)
