from django.apps import AppConfig


class InvitesConfig(AppConfig):
    name = "invites"
    verbose_name = "Invites"

    def ready(self) -> None:
        # Registers the guest list link on the event page (events/page.py).
        # local import: models and the app registry are not ready when this module loads.
        from invites import event_page  # noqa: F401
