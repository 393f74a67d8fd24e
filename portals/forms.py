from __future__ import annotations

import base64
import binascii
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from artsvp.i18n import language_name
from events.models import EntryWindow, Event
from portals.errors import (
    AllocationBelowUsed,
    DuplicateGroupName,
    DuplicateInviteTypeCode,
    PortalError,
)
from portals.invite_types import (
    MAX_TYPE_CODE_LENGTH,
    MAX_TYPE_NAME_LENGTH,
    TypeSettings,
)
from portals.models import InviteType, Portal, PortalAllocation, PortalGroup
from portals.services import (
    MAX_ALLOCATION,
    MAX_IMPORT_BYTES,
    MAX_INSTRUCTIONS_LENGTH,
    MAX_PLUS_ONES,
    MAX_PORTAL_NAME_LENGTH,
    MAX_PORTALS_PER_IMPORT,
    GroupSettings,
    check_group_name,
    live_types,
    taken_names,
)


class PortalGroupForm(forms.ModelForm):
    default_allocation = forms.IntegerField(
        label=_("Default invite allocation"),
        min_value=0,
        max_value=MAX_ALLOCATION,
        initial=10,
        help_text=_("How many invites each new portal may generate. You can change it per portal."),
    )
    default_plus_ones = forms.IntegerField(
        label=_("Default plus-ones"),
        min_value=0,
        max_value=MAX_PLUS_ONES,
        initial=0,
        help_text=_("How many extra guests each invite may bring."),
    )

    class Meta:
        model = PortalGroup
        fields = [
            "name",
            "kind",
            "default_allocation",
            "default_plus_ones",
            "instructions",
            "share_all_invites",
        ]
        labels = {
            "name": _("Name"),
            "kind": _("Kind"),
            "instructions": _("Instructions for portal owners"),
            "share_all_invites": _("Share all invites with the organizer"),
        }
        help_texts = {
            "name": _("For example “Exhibitors”, “Sponsors” or “VIP partners”."),
            "instructions": _(
                "Shown to portal owners when they open their portal, "
                "and in the email with their link."
            ),
            "share_all_invites": _(
                "Off: you see a portal's guests once they accept "
                "(exhibitors keep their client lists private). On: you see every invite "
                "the portals generate. A change applies to invites generated afterwards: "
                "each invite keeps the rule it was generated under."
            ),
        }
        widgets = {
            "name": forms.TextInput(attrs={"autofocus": True}),
            "instructions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(
        self, *args: Any, event: Event, several_types: bool = False, **kwargs: Any
    ) -> None:
        self.event = event
        super().__init__(*args, **kwargs)
        # The instructions in each other language of the event, under the default ones.
        stored = self.instance.translations or {}
        self.instruction_languages = event.languages[1:]
        for code in self.instruction_languages:
            key = f"instructions_{code}"
            self.fields[key] = forms.CharField(
                label=gettext("Instructions for portal owners (%(language)s)")
                % {"language": language_name(code)},
                max_length=MAX_INSTRUCTIONS_LENGTH,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("Left empty: owners reading this language see the instructions above."),
            )
            self.initial.setdefault(key, (stored.get(code) or {}).get("instructions", ""))
        if several_types:
            # Each invite type has its own defaults (its page); the group's apply to none.
            del self.fields["default_allocation"]
            del self.fields["default_plus_ones"]

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        # The rule is the service's (and the database's); the form only shows it.
        try:
            check_group_name(self.event, name, exclude=self.instance)
        except DuplicateGroupName as error:
            raise ValidationError(str(error), code=error.code) from None
        return name

    def group_settings(self) -> GroupSettings:
        data = self.cleaned_data
        return GroupSettings(
            name=data["name"],
            kind=data["kind"],
            default_allocation=data.get("default_allocation", self.instance.default_allocation),
            default_plus_ones=data.get("default_plus_ones", self.instance.default_plus_ones),
            instructions=data["instructions"].strip(),
            share_all_invites=data["share_all_invites"],
            translations={
                code: {"instructions": data[f"instructions_{code}"]}
                for code in self.instruction_languages
            },
        )

    @property
    def instruction_versions(self) -> list[forms.BoundField]:
        """The instructions' fields, the default language's first."""
        return [self["instructions"]] + [
            self[f"instructions_{code}"] for code in self.instruction_languages
        ]


class PortalForm(forms.Form):
    """A portal's name, contact and allocation: one "Allocation" field, or one per
    live invite type ("Allocation — VIP Preview") when its group has several."""

    name = forms.CharField(
        max_length=MAX_PORTAL_NAME_LENGTH,
        help_text=_("The exhibitor's, sponsor's or partner's name, as its owner will see it."),
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    allocation = forms.IntegerField(
        label=_("Invite allocation"),
        min_value=0,
        max_value=MAX_ALLOCATION,
        help_text=_("How many invites this portal may generate."),
    )
    contact_email = forms.EmailField(
        required=False,
        help_text=_("Where to send the portal's link. The owner is whoever claims the link."),
    )

    def __init__(
        self, *args: Any, group: PortalGroup, instance: Portal | None = None, **kwargs: Any
    ) -> None:
        self.group = group
        self.instance = instance
        self.types = live_types(group)
        self.per_type = len(self.types) > 1
        rows = (
            {row.invite_type_id: row for row in instance.allocations.all()}
            if instance is not None
            else {}
        )
        if "initial" not in kwargs:
            initial: dict[str, Any] = (
                {
                    "name": instance.name,
                    "allocation": instance.allocation,
                    "contact_email": instance.contact_email,
                }
                if instance is not None
                else {"allocation": group.default_allocation}
            )
            for invite_type in self.types:
                row = rows.get(invite_type.pk)
                initial[self.type_field(invite_type)] = (
                    row.size if row is not None else invite_type.default_allocation
                )
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        if self.per_type:
            del self.fields["allocation"]
            for invite_type in self.types:
                row = rows.get(invite_type.pk)
                used = row.used if row is not None else 0
                self.fields[self.type_field(invite_type)] = forms.IntegerField(
                    label=gettext("Allocation — %(type)s") % {"type": invite_type.name},
                    min_value=0,
                    max_value=MAX_ALLOCATION,
                    required=instance is not None,
                    help_text=_allocation_help(instance, used, invite_type.default_allocation),
                )
            self.order_fields(["name", *(self.type_field(t) for t in self.types)])
        else:
            self.fields["allocation"].required = instance is not None
            self.fields["allocation"].help_text = _allocation_help(
                instance,
                instance.invites_used if instance is not None else 0,
                group.default_allocation,
            )

    @staticmethod
    def type_field(invite_type: InviteType) -> str:
        return f"allocation_{invite_type.code}"

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if name.casefold() in taken_names(self.group, exclude=self.instance):
            raise ValidationError(gettext("This group already has a portal with this name."))
        return name

    def allocations(self) -> dict[int, int]:
        """The sizes typed, by invite type id (an empty field: the type's default)."""
        if not self.per_type:
            allocation = self.cleaned_data.get("allocation")
            return {self.types[0].pk: allocation} if allocation is not None and self.types else {}
        sizes = {t.pk: self.cleaned_data.get(self.type_field(t)) for t in self.types}
        return {type_id: size for type_id, size in sizes.items() if size is not None}

    def allocations_by_code(self) -> dict[str, int]:
        codes = {t.pk: t.code for t in self.types}
        return {codes[type_id]: size for type_id, size in self.allocations().items()}

    def add_below_used(self, error: AllocationBelowUsed) -> None:
        """The service's refusal next to the type it is about (the first whose size
        is below what it used, read again now)."""
        if not self.per_type:
            self.add_error("allocation", str(error))
            return
        used = {
            row.invite_type_id: row.used
            for row in PortalAllocation.objects.filter(portal=self.instance)
        }
        for invite_type in self.types:
            size = self.cleaned_data.get(self.type_field(invite_type))
            if size is not None and size < used.get(invite_type.pk, 0):
                self.add_error(
                    self.type_field(invite_type),
                    gettext("%(type)s: %(error)s") % {"type": invite_type.name, "error": error},
                )
                return
        self.add_error(None, str(error))


def _allocation_help(instance: Portal | None, used: int, default: int) -> str:
    if instance is None:
        return gettext(
            "How many invites this portal may generate. Leave empty for the default (%(n)s)."
        ) % {"n": default}
    if used:
        return ngettext(
            "How many invites this portal may generate. "
            "%(n)s already generated, so at least %(n)s.",
            "How many invites this portal may generate. "
            "%(n)s already generated, so at least %(n)s.",
            used,
        ) % {"n": used}
    return gettext("How many invites this portal may generate.")


class PortalImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "UTF-8, comma or semicolon separated, at most %(rows)s rows and 1 MB. "
            "The first row names the columns."
        ) % {"rows": number_format(MAX_PORTALS_PER_IMPORT, force_grouping=True)}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            size = upload.size / (1024 * 1024)
            raise ValidationError(
                gettext(
                    "The file is %(size)s MB; the limit is 1 MB. "
                    "Split it into several files and import them one after the other."
                )
                % {"size": f"{size:.1f}"}
            )
        return upload


class PortalImportConfirmForm(forms.Form):
    """Carries the previewed file back, base64-encoded so that no byte changes
    on the way; the view checks it again from scratch."""

    content = forms.CharField(widget=forms.HiddenInput, max_length=(MAX_IMPORT_BYTES * 4) // 3 + 8)
    filename = forms.CharField(widget=forms.HiddenInput, required=False, max_length=255)

    @staticmethod
    def encode(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    def clean_content(self) -> bytes:
        try:
            return base64.b64decode(self.cleaned_data["content"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(
                gettext("The file was damaged on the way. Upload it again.")
            ) from None


class OwnerEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("New owner email"),
        help_text=_("The portal stays assigned: no portal credit is used."),
        widget=forms.EmailInput(attrs={"autofocus": True}),
    )


class WindowChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.label} ({obj.local_starts_at:%a %d %b %H:%M})"


class InviteTypeForm(forms.Form):
    """An invite type's settings; the rules are the service's (portals/invite_types.py)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=MAX_TYPE_NAME_LENGTH,
        help_text=_("As portal owners and guests see it, for example “VIP Preview”."),
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=MAX_TYPE_CODE_LENGTH,
        required=False,
        help_text=_(
            "Short and unique in the group: the `type` column of guest CSVs and the "
            "`allocation_<code>` column of portal CSVs. Leave empty to make one from the name."
        ),
    )
    default_allocation = forms.IntegerField(
        label=_("Default allocation"),
        min_value=0,
        max_value=MAX_ALLOCATION,
        initial=10,
        help_text=_("How many invites of this type each new portal gets; change it per portal."),
    )
    plus_ones_allowed = forms.IntegerField(
        label=_("Plus-ones"),
        min_value=0,
        max_value=MAX_PLUS_ONES,
        initial=0,
        help_text=_("How many extra guests each invite of this type may bring."),
    )
    golden = forms.BooleanField(
        label=_("Golden: these invites skip the event's and the windows' capacity"),
        required=False,
    )
    needs_approval = forms.BooleanField(
        label=_("Needs approval: answers wait until you approve or decline them"),
        required=False,
    )
    windows = WindowChoiceField(
        label=_("Entry windows"),
        queryset=EntryWindow.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The windows guests of this type may choose. A window no type lists admits everyone."
        ),
    )

    def __init__(
        self, *args: Any, group: PortalGroup, instance: InviteType | None = None, **kwargs: Any
    ) -> None:
        self.group = group
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "code": instance.code,
                "default_allocation": instance.default_allocation,
                "plus_ones_allowed": instance.plus_ones_allowed,
                "golden": instance.golden,
                "needs_approval": instance.needs_approval,
                "windows": list(instance.windows.all()),
            }
        super().__init__(*args, **kwargs)
        windows_field = self.fields["windows"]
        assert isinstance(windows_field, forms.ModelMultipleChoiceField)
        windows_field.queryset = EntryWindow.objects.filter(event_id=group.event_id)

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip().lower()
        if not code:
            code = slugify(self.cleaned_data.get("name", ""))[:MAX_TYPE_CODE_LENGTH].strip("-")
        return code

    def type_settings(self) -> TypeSettings:
        data = self.cleaned_data
        return TypeSettings(
            name=data["name"].strip(),
            code=data["code"],
            default_allocation=data["default_allocation"],
            plus_ones_allowed=data["plus_ones_allowed"],
            golden=data["golden"],
            needs_approval=data["needs_approval"],
            windows=list(data["windows"]),
        )

    def add_service_error(self, error: PortalError) -> None:
        """The service's refusal next to the field it is about."""
        field = getattr(error, "field", None)
        if isinstance(error, DuplicateInviteTypeCode):
            field = "code"
        self.add_error(field if field in self.fields else None, str(error))


class PortalFilterForm(forms.Form):
    """The group page's search and state filter (GET). A value that cannot be
    used is a field error and filters nothing."""

    q = forms.CharField(
        required=False,
        max_length=200,
        label=_("Search"),
        help_text=_("Name, contact email or owner email"),
    )
    state = forms.ChoiceField(
        required=False,
        label=_("State"),
        choices=[("", _("All states")), *Portal.Status.choices],
    )

    def matching(self) -> Q | None:
        """The portals the valid filters select; None: no filter is set."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        condition = Q()
        search = (data.get("q") or "").strip()
        if search:
            condition &= (
                Q(name__icontains=search)
                | Q(contact_email__icontains=search)
                | Q(owner_email__icontains=search)
            )
        if data.get("state"):
            condition &= Q(status=data["state"])
        return condition or None
