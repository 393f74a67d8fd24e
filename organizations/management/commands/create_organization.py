"""`python manage.py create_organization "<name>" --owner <email>`: prints the new slug."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from artsvp.links import absolute_url
from organizations.services import create_organization


class Command(BaseCommand):
    help = (
        "Create an organization owned by --owner (the user is created if needed) "
        "and print its slug."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", help="The organization's name, e.g. 'Basel Art Week'.")
        parser.add_argument("--owner", required=True, help="Email address of the first owner.")

    def handle(self, *args: Any, **options: Any) -> None:
        name = " ".join(options["name"].split())
        email = options["owner"].strip()
        if not name:
            raise CommandError("The organization needs a name.")
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"--owner must be an email address, not {email!r}.") from error

        with transaction.atomic():
            owner, created = self._owner(email)
            organization = create_organization(name, owner=owner)

        if created:
            reset_url = absolute_url(reverse("account_reset_password"))
            self.stderr.write(
                f"Created the user {email} without a password. To set one, they open "
                f"{reset_url} and request a reset link for that address."
            )
        # The slug alone on stdout, so scripts can capture it.
        self.stdout.write(organization.slug)

    def _owner(self, email: str) -> tuple[Any, bool]:
        user_model = get_user_model()
        user = user_model.objects.filter(email__iexact=email).first()
        if user is not None:
            return user, False
        user = user_model.objects.create_user(username=self._free_username(email), email=email)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        # Created by an operator who vouches for the address; the password reset proves it anyway.
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        return user, True

    def _free_username(self, email: str) -> str:
        user_model = get_user_model()
        base = email.split("@")[0][:140] or "user"
        username, n = base, 2
        while user_model.objects.filter(username=username).exists():
            username = f"{base}{n}"
            n += 1
        return username
