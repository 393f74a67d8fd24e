from __future__ import annotations

from typing import Any

from django import forms

from credits.models import CreditEntry, CreditKind


class StatementFilterForm(forms.Form):
    """The statement's filters, read from the query string (GET)."""

    kind = forms.ChoiceField(
        choices=[("", "All credits"), *CreditKind.choices], required=False, label="Credits"
    )
    reason = forms.ChoiceField(
        choices=[("", "All reasons"), *CreditEntry.Reason.choices], required=False
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned
