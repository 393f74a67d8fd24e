"""The forms of the bulk links page (portals/bulk_views.py): which unclaimed
portals to email, and the scheduled reminder. The limits are the service's
(portals/bulk_links.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext, gettext_lazy

from portals.bulk_links import MAX_REMINDER_DAYS
from portals.models import Portal

LINK, REMINDER = "link", "reminder"


class BulkLinksForm(forms.Form):
    portal = forms.MultipleChoiceField(required=False, label=gettext_lazy("Portals"))
    everyone = forms.BooleanField(required=False, label=gettext_lazy("All unclaimed portals"))
    action = forms.ChoiceField(
        choices=[
            (LINK, gettext_lazy("Email the link")),
            (REMINDER, gettext_lazy("Send a reminder")),
        ]
    )

    def __init__(self, *args: Any, portals: Sequence[Portal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.MultipleChoiceField, self.fields["portal"])
        field.choices = [(p.public_id, p.name) for p in portals]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            not cleaned.get("everyone")
            and not cleaned.get("portal")
            and "portal" not in self.errors
        ):
            self.add_error(
                "portal",
                gettext("Select the portals to email, or choose all unclaimed portals."),
            )
        return cleaned

    @property
    def public_ids(self) -> list[str] | None:
        """The selected portals, or None for every unclaimed one."""
        return None if self.cleaned_data["everyone"] else list(self.cleaned_data["portal"])

    @property
    def reminder(self) -> bool:
        return bool(self.cleaned_data["action"] == REMINDER)


class LinkRemindersForm(forms.Form):
    days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_REMINDER_DAYS,
        label=gettext_lazy("Remind unclaimed portals after (days)"),
        help_text=gettext_lazy(
            "Counted from the day a portal's link went out; each portal is reminded once. "
            "Leave empty for no scheduled reminder."
        ),
    )
