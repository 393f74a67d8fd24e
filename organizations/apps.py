from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "Organizations"

    def ready(self) -> None:
        # local import: models and the app registry are not ready when this module loads.
        from artsvp.middleware import register_api_key_check
        from organizations import emails  # noqa: F401 (registers its emails' context builders)
        from organizations.api_key_services import is_active_api_key

        register_api_key_check(is_active_api_key)
