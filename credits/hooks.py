"""Where the apps above credits hear that credits were added.

Credits sits below portals, so the ledger cannot tell a portal that was
refused for want of credits that it can carry on: portals registers a
credits-added hook (from its AppConfig.ready()), run after the transaction
that added credits commits (a rollback tells nobody).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db import transaction

CreditsAddedHook = Callable[[int, str], object]

_added_hooks: list[CreditsAddedHook] = []


def on_credits_added(hook: CreditsAddedHook) -> CreditsAddedHook:
    """Run `hook(organization_id, kind)` after each commit that added credits."""
    if hook not in _added_hooks:
        _added_hooks.append(hook)
    return hook


def credits_added(organization_id: int, kind: str) -> None:
    """Called by the ledger inside the transaction that adds credits."""
    for hook in _added_hooks:
        transaction.on_commit(partial(hook, organization_id, kind))
