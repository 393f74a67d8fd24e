from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credits.models import CreditEntry, CreditKind


class StatementFilterForm(forms.Form):
    """The statement's filters, read from the query string (GET)."""

    kind = forms.ChoiceField(
        choices=[("", _("All credits")), *CreditKind.choices], required=False, label=_("Credits")
    )
    reason = forms.ChoiceField(
        choices=[("", _("All reasons")), *CreditEntry.Reason.choices],
        required=False,
        label=_("Reason"),
    )
    date_from = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return cleaned
