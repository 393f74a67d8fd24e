from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "credits"
    verbose_name = "Credits"

    def ready(self) -> None:
        # local import: models and the app registry are not ready when this module loads.
        from credits.ledger import ensure_accounts
        from organizations.hooks import on_organization_created

        # Every organization starts with its (empty) accounts.
        on_organization_created(ensure_accounts)
