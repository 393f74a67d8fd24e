"""The staff page's form: who, as what, for which portal's guests, until which day.

The rules (a team member is refused, one open grant per address, a portal of
this event, a day not yet over) live in door/staff.py; this form only reads
the fields and shows the service's refusals on them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from door.staff import STAFF_ROLES, default_expiry_date
from events.models import Event
from organizations.models import Membership
from portals.models import Portal

ROLE_HELP = _(
    "Check-in: only this event's door and guest search. "
    "Event manager: runs this event (portals, guest list, door), nothing else."
)


class GrantForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@example.com"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(role.value, role.label) for role in STAFF_ROLES],
        initial=Membership.Role.CHECK_IN,
        help_text=ROLE_HELP,
    )
    portal = forms.ModelChoiceField(
        label=_("Only the guests of"),
        queryset=Portal.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("Every guest of the event"),
        help_text=_("Check-in staff only: e.g. an exhibitor checking in their own party."),
    )
    expires_on = forms.DateField(
        label=_("Access until the end of"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("In the event's time zone. Default: the day after the event."),
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("expires_on", default_expiry_date(event))
        super().__init__(*args, **kwargs)
        portal_field = self.fields["portal"]
        assert isinstance(portal_field, forms.ModelChoiceField)
        portal_field.queryset = Portal.objects.filter(
            organization_id=event.organization_id, group__event=event, revoked_at__isnull=True
        ).order_by("name", "id")

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip()


class GrantEmailForm(forms.Form):
    """Names a grant by its email: no sequential id in the page."""

    email = forms.EmailField()


class ExpiryForm(GrantEmailForm):
    expires_on = forms.DateField()
