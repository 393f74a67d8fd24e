"""The person's own settings beside their email addresses and password: the
language of the organizer's pages (and of the team's emails to them)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from artsvp.i18n import language_choices
from organizations.preferences import set_user_language, user_language


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        help_text=gettext_lazy(
            "The language of your pages and of the emails we send you. Browser default: "
            "the language your browser asks for."
        ),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", gettext_lazy("Browser default")), *language_choices()]


@login_required
@require_http_methods(["GET", "POST"])
def language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST or None, initial={"language": user_language(request.user)})
    if request.method == "POST" and form.is_valid():
        # The page that follows is already in the new language.
        set_user_language(request.user, form.cleaned_data["language"], request=request)
        messages.success(request, gettext("Your language is saved."))
        return redirect("organizations:language")
    status = 422 if request.method == "POST" else 200
    return render(
        request, "account/language.html", {"form": form, "account_tab": "language"}, status=status
    )
