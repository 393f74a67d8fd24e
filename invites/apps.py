from django.apps import AppConfig


class InvitesConfig(AppConfig):
    name = "invites"
    verbose_name = "Invites"

    def ready(self) -> None:
        from invites import emails  # noqa: F401 (registers the invite email and its sent hook)
