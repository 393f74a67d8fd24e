"""What happens when a message is sent, registered by the app that queued it.

Beside the context registry (deliveries/rendering.py): an app that must react
to its message going out (an invite moves from created to sent) registers a
hook for its template in its own `emails.py` (`@on_sent("invite")`), instead of
the outbox importing the app. Hooks run inside the transaction that records
`sent` (deliveries/services/sending.py), so the row's new status and the
app's change commit together, and once: only a row still in `sending` (or
`queued`, after the sweeper took back a slow claim) is recorded as sent.
"""

from __future__ import annotations

from collections.abc import Callable

from deliveries.models import Delivery

SentHook = Callable[[Delivery], None]
# template -> {"module.qualname": hook}: a module imported twice (autoreload,
# tests) replaces its hook instead of adding a second one.
_SENT_HOOKS: dict[str, dict[str, SentHook]] = {}


def on_sent(template: str) -> Callable[[SentHook], SentHook]:
    """Register `hook(delivery)` to run when a message of `template` is sent."""

    def register(hook: SentHook) -> SentHook:
        _SENT_HOOKS.setdefault(template, {})[f"{hook.__module__}.{hook.__qualname__}"] = hook
        return hook

    return register


def run_sent_hooks(delivery: Delivery) -> None:
    """Called by the sender inside the transaction that records `sent`."""
    for hook in _SENT_HOOKS.get(delivery.template, {}).values():
        hook(delivery)
