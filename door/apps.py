from django.apps import AppConfig


class DoorConfig(AppConfig):
    name = "door"
    verbose_name = "Door"

    def ready(self) -> None:
        # local import: models and the app registry are not ready when this module loads.
        from door import (
            emails,  # noqa: F401 (registers the confirmation emails and their files)
            event_page,  # noqa: F401 (the door's link and live counts on the event page)
            guest_page,  # noqa: F401 (the QR code on the guest page, invites/hooks.py)
            services,  # noqa: F401 (hears about answers, invites/hooks.py)
        )
