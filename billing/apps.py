from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        # local import: models and the app registry are not ready when this module loads.
        from billing import (
            emails,  # noqa: F401 (registers its emails' context builders)
            # Registers the inbox's replay after each fulfilment, in every process
            # that fulfils (web, worker), not only where the webhook view is loaded.
            stripe_inbox,  # noqa: F401
        )
