from django.apps import AppConfig


class InvitesConfig(AppConfig):
    name = "invites"
    verbose_name = "Invites"

    def ready(self) -> None:
        # local import: models and the app registry are not ready when this module loads.
        from invites import (
            emails,  # noqa: F401 (registers the invite email and its sent hook)
            event_page,  # noqa: F401 (the guest list link on the event page, events/page.py)
            guest_counts,  # noqa: F401 (places taken per entry window, events/windows.py)
            portal_counts,  # noqa: F401 (accepted guests on portals' pages)
        )
