from django.apps import AppConfig


class PortalsConfig(AppConfig):
    name = "portals"
    verbose_name = "Portals"

    def ready(self) -> None:
        # local import: models and the app registry are not ready when this module loads.
        # What portals adds to lower apps' registries: its emails' context
        # builders, the API keys page's example, the event page's groups.
        from credits.hooks import on_credits_added
        from portals import api_example, emails, event_page  # noqa: F401
        from portals.notifications import resolve_credit_shortages

        # Credits came back: refused portals can carry on, and are told.
        on_credits_added(resolve_credit_shortages)
