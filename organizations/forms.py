from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from organizations.models import Membership

ROLE_HELP = _(
    "Owners manage the team and everything else. Admins manage billing, API keys and "
    "settings. Members run events and portals."
)


# Event staff (event managers, check-in) get their role with an event grant on
# the event's staff page (door/staff.py), never from the team page.
TEAM_ROLES = [
    (value, label)
    for value, label in Membership.Role.choices
    if value not in {Membership.Role.EVENT_MANAGER, Membership.Role.CHECK_IN}
]


class OrganizationForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        label=_("Organization name"),
        help_text=_("Your fair, gallery or company, e.g. “Basel Art Week”."),
        widget=forms.TextInput(attrs={"autofocus": True}),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(gettext("Enter a name for your organization."))
        return name


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@example.com"}),
    )
    role = forms.ChoiceField(
        choices=TEAM_ROLES, initial=Membership.Role.MEMBER, label=_("Role"), help_text=ROLE_HELP
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()


class TeammateForm(forms.Form):
    """Names a member or an open invitation by email: no sequential id in the page."""

    email = forms.EmailField()


class RoleForm(TeammateForm):
    role = forms.ChoiceField(choices=TEAM_ROLES)
