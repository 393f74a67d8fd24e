from django.apps import AppConfig


class PortalsConfig(AppConfig):
    name = "portals"
    verbose_name = "Portals"

    def ready(self) -> None:
        # local import: models and the app registry are not ready when this module loads.
        # What portals adds to lower apps' registries: its emails' context
        # builders, the API keys page's example, the event page's groups.
        from portals import api_example, emails, event_page  # noqa: F401
