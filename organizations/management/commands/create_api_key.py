"""`python manage.py create_api_key <org-slug> --name <name>`: print a new API key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations.api_key_services import create_api_key
from organizations.models import Organization


class Command(BaseCommand):
    help = "Create an API key for an organization and print it (it is shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org_slug", help="The organization's slug, as in /o/<slug>/.")
        parser.add_argument("--name", required=True, help="What the key is for, e.g. 'CRM sync'.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org_slug"]).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {options['org_slug']!r}.")
        name = options["name"].strip()
        if not name or len(name) > 100:
            raise CommandError("--name must be 1 to 100 characters.")
        new_key = create_api_key(organization, name=name)
        self.stderr.write(
            f"Created “{name}” for {organization.name}. Store it now: it is not shown again."
        )
        self.stdout.write(new_key.secret)
