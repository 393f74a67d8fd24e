"""The credit request form (billing/credit_requests.py holds its rules)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.credit_requests import MAX_REQUESTED
from credits.models import CreditKind


class CreditRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Credits"), choices=CreditKind.choices)
    credits = forms.IntegerField(
        label=_("How many"), min_value=1, max_value=MAX_REQUESTED, initial=100
    )
    note = forms.CharField(
        label=_("Note for the operators"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the event they are for, or how you would like to pay."),
    )
