from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class DeliveriesConfig(AppConfig):
    name = "deliveries"
    verbose_name = "Email deliveries"

    def ready(self) -> None:
        # local import: models and the app registry are not ready when this module loads.
        from anymail.signals import tracking

        from deliveries import (
            checks,  # noqa: F401 (registers the webhook's deploy checks)
            rendering,  # noqa: F401 (registers the invite email's context)
        )
        from deliveries.signals import handle_tracking_event

        tracking.connect(handle_tracking_event, dispatch_uid="deliveries.tracking")
        # Apps register their emails' context builders in `<app>/emails.py`.
        autodiscover_modules("emails")
