"""Forms on the portal owner's side: claiming, asking for a code, entering it."""

from __future__ import annotations

from django import forms


class ClaimForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        help_text="This becomes the portal's owner address. We use it to sign you back in.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class CodeRequestForm(forms.Form):
    email = forms.EmailField(
        label="The email address you claimed the portal with",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code",
        min_length=6,
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isdigit():
            raise forms.ValidationError("The code is 6 digits, as written in the email.")
        return code
