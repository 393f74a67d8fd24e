"""Where the apps above organizations plug in; they register from their AppConfig.ready().

Organizations sits below credits and the other domain apps, so it cannot call
them:
- an app that keeps rows per organization (credits: its accounts) registers
  an organization-created hook; `create_organization` runs every hook inside
  its transaction, so an organization never exists without them;
- the API keys page's curl example names real rows of the apps above (a
  claimed portal): they register an example provider.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from organizations.models import Organization

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
