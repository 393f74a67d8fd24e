from django import forms


class OrganizationForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        label="Organization name",
        help_text="Your fair, gallery or company, e.g. “Basel Art Week”.",
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
