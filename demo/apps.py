from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a first run (`manage.py seed_demo`).

    It fills every app, so it sits at the top of the layers, just below the
    wiring in config/: no other app imports it.
    """

    name = "demo"
    verbose_name = "Demo data"
