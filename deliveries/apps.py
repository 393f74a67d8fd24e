from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "deliveries"
    verbose_name = "Outbox"

    def ready(self) -> None:
        # local import: models and the app registry are not ready when this module loads.
        from anymail.signals import tracking

        from deliveries import (
            channels,  # noqa: F401 (registers the email channel)
            checks,  # noqa: F401 (registers the webhook's deploy checks)
            tasks,  # noqa: F401 (registers the tasks deliveries/publishing.py calls by name)
        )
        from deliveries.signals import handle_tracking_event

        tracking.connect(handle_tracking_event, dispatch_uid="deliveries.tracking")
        # Each app registers its emails' context builders and sent hooks in its
        # own `emails.py`, imported by its own AppConfig.ready().
