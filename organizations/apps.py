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

        # local import: preferences imports the models, not loaded when this module is.
        from django.contrib.auth.signals import user_logged_in

        from organizations.preferences import remember_language_at_login

        # Not a rule: the session's copy of the user's language, so no page queries it.
        user_logged_in.connect(remember_language_at_login, dispatch_uid="remember_language")
