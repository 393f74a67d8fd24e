"""The outbox's tests send invite emails as sample rows (any template would do)."""

from tests.invites.conftest import anymail_backend, make_invites, portal_invite

__all__ = ["anymail_backend", "make_invites", "portal_invite"]
