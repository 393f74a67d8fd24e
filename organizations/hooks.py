"""What the apps above organizations do when an organization is created.

Organizations sits below credits and the other domain apps, so it cannot call
them. An app that keeps rows per organization (credits: its accounts)
registers a hook here from its AppConfig.ready(); `create_organization` runs
every hook inside its transaction, so an organization never exists without
them.
"""

from __future__ import annotations

from collections.abc import Callable

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
