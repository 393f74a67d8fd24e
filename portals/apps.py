from django.apps import AppConfig


class PortalsConfig(AppConfig):
    name = "portals"
    verbose_name = "Portals"

    def ready(self) -> None:
        # What portals adds to pages of the apps below it (registries there).
        # local import: models and the app registry are not ready when this module loads.
        from portals import api_example, event_page  # noqa: F401
