"""Forms for generating invites (four ways) and filtering lists (a guest's: answer_forms.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from typing import Any, cast

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from artsvp.i18n import language_name
from invites.guest_lists import GuestList, GuestListError, parse_csv, parse_pasted
from invites.guests import (
    MAX_BLANK_LINKS,
    MAX_LABEL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PASTED_LINES,
    MAX_PLUS_ONES,
    MAX_USES,
    GuestInput,
    tags_problem,
)
from invites.models import Invite, InviteBatch


def new_submission_id() -> str:
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class TypeChoice:
    """One invite type the generating person may pick: `value` is what the form
    sends (the type's code for a portal, its id for the organizer)."""

    value: str
    label: str
    remaining: int | None = None


@dataclass(frozen=True)
class GenerationSetup:
    """What the four forms offer: the organizer's extra fields (plus-ones,
    golden, approval; an optional type of the event's groups) or a portal
    owner's type picker (required when the group has more than one type,
    absent with one), and the blank links' default count."""

    organizer: bool = False
    types: list[TypeChoice] = field(default_factory=list)
    blank_initial: int = 10
    # What a CSV's `type` cell may say; empty: the choices' values.
    type_references: list[str] = field(default_factory=list)
    # The event's languages, its own first (the default of the "Language" select).
    languages: list[str] = field(default_factory=list)

    @property
    def picks_type(self) -> bool:
        # A group with one type hides the type everywhere (nothing changes for it).
        return len(self.types) > 1 or (self.organizer and bool(self.types))

    @property
    def type_codes(self) -> list[str]:
        return self.type_references or [choice.value for choice in self.types]


class GenerationForm(forms.Form):
    """Base of the four ways to generate. `submission` is a random id per
    rendered form: submitting the same form twice (a double click, the back
    button) replays the first batch instead of paying twice."""

    method: str = ""
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, setup: GenerationSetup | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.method)
        kwargs.setdefault("initial", {}).setdefault("submission", new_submission_id())
        super().__init__(*args, **kwargs)
        self.setup = setup or GenerationSetup()
        if self.setup.picks_type:
            self.fields["invite_type"] = self._type_field()
            self.order_fields(["invite_type"])
        if self.setup.languages:
            self.fields["language"] = forms.ChoiceField(
                label=gettext_lazy("Language"),
                choices=[(code, language_name(code)) for code in self.setup.languages],
                initial=self.setup.languages[0],
                required=False,
                help_text=gettext_lazy(
                    "The language of the invitation page and its emails. The guest can "
                    "switch on the page."
                ),
            )
        if self.setup.organizer:
            self.fields["plus_ones"] = forms.IntegerField(
                label=gettext_lazy("Plus-ones per invite"),
                min_value=0,
                max_value=MAX_PLUS_ONES,
                required=False,
                help_text=gettext_lazy(
                    "How many extra guests each invite may bring. Empty: the invite type's "
                    "(none without a type)."
                ),
            )

    def _type_field(self) -> forms.ChoiceField:
        choices = [(choice.value, choice.label) for choice in self.setup.types]
        if self.setup.organizer:
            return forms.ChoiceField(
                label=gettext_lazy("Invite type"),
                choices=[("", gettext_lazy("No type")), *choices],
                required=False,
                help_text=gettext_lazy(
                    "Optional: a type of one of the event's portal groups, for its entry "
                    "windows and settings. Your invites use no allocation."
                ),
            )
        return forms.ChoiceField(
            label=gettext_lazy("Invite type"),
            choices=choices,
            widget=forms.RadioSelect,
            error_messages={"required": gettext_lazy("Choose the type of these invites.")},
        )

    def _add_flags(self) -> None:
        """The organizer's golden and approval checkboxes (unticked: the type's setting)."""
        if not self.setup.organizer:
            return
        self.fields["golden"] = forms.BooleanField(
            label=gettext_lazy("Golden: skips the event's and the window's capacity"),
            required=False,
        )
        self.fields["needs_approval"] = forms.BooleanField(
            label=gettext_lazy("Needs approval: answers wait for you to approve them"),
            required=False,
            help_text=gettext_lazy("Unticked, the invite type's settings apply."),
        )

    @property
    def idempotency_key(self) -> str | None:
        submission = self.cleaned_data.get("submission")
        return f"web:{submission}" if submission else None

    @property
    def plus_ones(self) -> int | None:
        return self.cleaned_data.get("plus_ones")

    @property
    def language(self) -> str | None:
        """The picked language; None: the event's."""
        return self.cleaned_data.get("language") or None

    @property
    def invite_type(self) -> str | None:
        """The picked type (a code, or a type id for the organizer); None: none picked."""
        return self.cleaned_data.get("invite_type") or None

    def _with_flags(self, guest: GuestInput) -> GuestInput:
        """`guest` with the ticked flags; an unticked box leaves the type's setting."""
        return replace(
            guest,
            golden=True if self.cleaned_data.get("golden") else None,
            needs_approval=True if self.cleaned_data.get("needs_approval") else None,
        )

    def guests(self) -> list[GuestInput]:
        return []

    def blank(self) -> int:
        return 0

    def blank_link(self) -> GuestInput | None:
        return None


def _with_plus_ones(guests: list[GuestInput], plus_ones: int | None) -> list[GuestInput]:
    if plus_ones is None:
        return guests
    return [replace(guest, plus_ones=plus_ones) for guest in guests]


def _label_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Label"),
        required=False,
        max_length=MAX_LABEL_LENGTH,
        help_text=gettext_lazy("Shown on the invite, e.g. Galerie Nord team."),
    )


def split_tags(value: str) -> list[str]:
    tags: list[str] = []
    for tag in value.replace(";", ",").split(","):
        tag = tag.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


class SingleGuestForm(GenerationForm):
    method = InviteBatch.Method.SINGLE
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=MAX_NAME_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        required=False,
        help_text=gettext_lazy("Without an email, copy the link and send it yourself."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Separate tags with commas, e.g. VIP, press."),
    )
    label = _label_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_flags()

    def clean_tags(self) -> list[str]:
        tags = split_tags(self.cleaned_data["tags"])
        problem = tags_problem(tags)
        if problem:
            raise forms.ValidationError(problem[0].upper() + problem[1:])
        return tags

    def guests(self) -> list[GuestInput]:
        data = self.cleaned_data
        guest = self._with_flags(
            GuestInput(
                name=data["name"].strip(),
                email=data["email"],
                tags=data["tags"],
                label=data["label"].strip(),
            )
        )
        return _with_plus_ones([guest], self.plus_ones)


class PasteForm(GenerationForm):
    method = InviteBatch.Method.PASTE
    lines = forms.CharField(
        label=gettext_lazy("Guests, one per line"),
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "placeholder": "Anna Muster, anna@example.com\nLeo Berg, leo@example.com",
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lines"].help_text = _(
            "Name, then email, separated by a comma. Up to %(count)s lines."
        ) % {"count": number_format(MAX_PASTED_LINES, force_grouping=True)}

    def clean_lines(self) -> GuestList:
        try:
            guest_list = parse_pasted(self.cleaned_data["lines"])
        except GuestListError as error:
            raise forms.ValidationError(str(error)) from error
        if not guest_list.rows:
            raise forms.ValidationError(_("Paste at least one guest."))
        if guest_list.errors:
            raise forms.ValidationError(guest_list.errors)
        return guest_list

    def guests(self) -> list[GuestInput]:
        return _with_plus_ones(self.cleaned_data["lines"].guests, self.plus_ones)


class CsvUploadForm(GenerationForm):
    method = InviteBatch.Method.CSV
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        columns = [_("name, email, tags (separate several tags with ;), label, uses")]
        if self.setup.languages:
            columns.append(_("language (a row's language instead of the one picked below)"))
        if self.setup.picks_type:
            columns.append(_("type (a row's type instead of the one picked above)"))
        if self.setup.organizer:
            columns.append(_("golden, approval (yes or no)"))
        self.fields["file"].help_text = _(
            "Columns: %(columns)s. Any other column is kept with the invite. "
            "You will see a preview first."
        ) % {"columns": ", ".join(columns)}

    def clean_file(self) -> GuestList:
        upload = self.cleaned_data["file"]
        try:
            return parse_csv(
                upload,
                size=upload.size,
                type_codes=self.setup.type_codes if self.setup.types else None,
                organizer=self.setup.organizer,
            )
        except GuestListError as error:
            raise forms.ValidationError(str(error)) from error


class BlankLinksForm(GenerationForm):
    method = InviteBatch.Method.BLANK
    count = forms.IntegerField(
        label=gettext_lazy("Number of blank links"),
        min_value=1,
        max_value=MAX_BLANK_LINKS,
        initial=10,
        help_text=gettext_lazy("Links without a guest yet: whoever opens one fills in their name."),
    )
    uses = forms.IntegerField(
        label=gettext_lazy("Uses per link"),
        min_value=1,
        max_value=MAX_USES,
        initial=1,
        required=False,
        help_text=gettext_lazy(
            "More than 1: one link for a whole team, each person answers it once. "
            "Each use takes one place of your allocation; a link uses one invite credit."
        ),
    )
    label = _label_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["count"].initial = self.setup.blank_initial
        self._add_flags()

    def blank(self) -> int:
        return self.cleaned_data["count"]

    def blank_link(self) -> GuestInput | None:
        data = self.cleaned_data
        link = self._with_flags(GuestInput(label=data["label"].strip(), uses=data["uses"] or 1))
        return _with_plus_ones([link], self.plus_ones)[0]


class CsvConfirmForm(forms.Form):
    """Confirms the CSV upload previewed under `preview` (a session key)."""

    method = InviteBatch.Method.CSV
    preview = forms.CharField(widget=forms.HiddenInput, max_length=64)


GENERATION_FORMS: dict[str, type[GenerationForm]] = {
    form.method: form for form in (SingleGuestForm, PasteForm, CsvUploadForm, BlankLinksForm)
}


@dataclass(frozen=True)
class SourceChoice:
    """A portal the source filter offers: what the page calls it, and its public id."""

    public_id: str
    label: str


def source_choices(portals: list[tuple[str, str, str]]) -> list[SourceChoice]:
    """(public id, name, group name) of an event's portals as the filter names
    them: by name, with the group for a name two groups share."""
    counts: dict[str, int] = {}
    for _public_id, name, _group in portals:
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    return [
        SourceChoice(public_id, name if counts[name.casefold()] == 1 else f"{name} · {group}")
        for public_id, name, group in portals
    ]


class GuestListFilterForm(forms.Form):
    """The guest list's filters (GET). `portals` are the event's SourceChoices;
    `types` and `windows` are (public id, label) pairs; a filter without
    choices is left out of the form. A value that cannot be used is an error
    on its field, and the valid filters still apply (the view reads
    `cleaned_data` field by field)."""

    # The window filter's choice for guests who chose no window.
    NO_WINDOW = "none"
    # The source filter's values besides a portal (no public id has an underscore).
    ORGANIZER = "organizer"
    WALK_INS = "walk_in"

    q = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Search"),
        help_text=gettext_lazy("Name, email, @domain or label"),
    )
    # A searchable text box (a datalist of the portals), not a select: a fair
    # has thousands of portals. It takes a portal's name or public id.
    source = forms.CharField(required=False, max_length=400, label=gettext_lazy("Source"))
    status = forms.ChoiceField(
        required=False,
        label=gettext_lazy("State"),
        choices=[("", gettext_lazy("All states")), *Invite.Status.choices],
    )
    invite_type = forms.ChoiceField(required=False, label=gettext_lazy("Type"))
    window = forms.ChoiceField(required=False, label=gettext_lazy("Entry window"))

    def __init__(
        self,
        *args: Any,
        portals: list[SourceChoice],
        types: list[tuple[str, str]] | None = None,
        windows: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.portals = portals
        self.fixed_sources = [
            (self.ORGANIZER, _("Organizer")),
            (self.WALK_INS, _("Walk-ins")),
        ]
        self._by_id = {choice.public_id: choice for choice in portals}
        self._by_label = {choice.label.casefold(): choice for choice in portals}
        for value, label in self.fixed_sources:
            self._by_label.setdefault(label.casefold(), SourceChoice(value, label))
        if self.is_bound and self.data.get("source") in self._by_id:
            # A link that names a portal by id shows its name in the box.
            # items(): a QueryDict's last value of each key, as the form reads it.
            self.data = {
                **dict(self.data.items()),
                "source": self._by_id[self.data["source"]].label,
            }
        if types:
            cast(forms.ChoiceField, self.fields["invite_type"]).choices = [
                ("", gettext_lazy("All types")),
                *types,
            ]
        else:
            del self.fields["invite_type"]
        if windows:
            cast(forms.ChoiceField, self.fields["window"]).choices = [
                ("", gettext_lazy("All windows")),
                *windows,
                (self.NO_WINDOW, gettext_lazy("No window chosen")),
            ]
        else:
            del self.fields["window"]

    def clean_source(self) -> str:
        """The source as the view filters it: "organizer", "walk_in" or a portal's public id."""
        text = self.cleaned_data["source"].strip()
        if not text or text in (self.ORGANIZER, self.WALK_INS):
            return text
        choice = self._by_label.get(text.casefold()) or self._by_id.get(text)
        if choice is None:
            raise forms.ValidationError(
                _("No portal of this event is called “%(name)s”. Pick one from the list."),
                params={"name": text},
            )
        return choice.public_id


class InviteStatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        label=gettext_lazy("State"),
        choices=[("", gettext_lazy("All states")), *Invite.Status.choices],
    )
