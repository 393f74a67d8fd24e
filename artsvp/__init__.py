"""The bottom layer: helpers every app may use (ids, emails, CSV, rate limits,
secret-page decorators, locks). It imports no app of this project; the wiring
that collects the apps (settings, URLs, the NinjaAPI, Celery) is `config/`."""
