from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        # local import: models and the app registry are not ready when this module loads.
        from artsvp.emails import add_email_context
        from events.brand import email_brand

        # Every email about an event renders under the brand in force for it.
        add_email_context(email_brand)
