from django.apps import AppConfig


class PortalsConfig(AppConfig):
    name = "portals"
    verbose_name = "Portals"

    def ready(self) -> None:
        from portals import emails  # noqa: F401 (registers its emails' context builders)
