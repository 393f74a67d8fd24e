"""The entry window form: its details (events/windows.py) and the invite types it admits.

In portals, not events: the types are portal groups' (events can't import them).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from events.fields import WallClockField
from events.models import EntryWindow, Event
from events.services import MAX_CAPACITY
from events.windows import MAX_LABEL_LENGTH, DuplicateWindowLabel, WindowDetails
from portals.invite_types import event_types, type_labels
from portals.models import InviteType


class TypeChoiceField(forms.ModelMultipleChoiceField):
    # invite_types.type_labels: "Exhibitors · VIP Preview" (an event's groups may
    # each have a "VIP"), or "Sponsors" for a group of one type.
    labels: dict[int, str] = {}

    def label_from_instance(self, obj: Any) -> str:
        return self.labels.get(obj.pk, f"{obj.group.name} · {obj.name}")


class EntryWindowForm(forms.Form):
    """An entry window; times are the event's wall clock (events/fields.WallClockField)."""

    label = forms.CharField(
        label=_("Label"),
        max_length=MAX_LABEL_LENGTH,
        help_text=_("As guests see it when they pick one, for example “VIP Preview, Thu 11:00”."),
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    starts_at = WallClockField(label=_("Starts"))
    ends_at = WallClockField(label=_("Ends"))
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=0,
        max_value=MAX_CAPACITY,
        required=False,
        help_text=_(
            "Guests with their plus-ones. Leave empty for no limit of its own. Lowering it "
            "never cancels anyone: a window over its capacity simply shows as full."
        ),
    )
    invite_types = TypeChoiceField(
        label=_("Invite types admitted"),
        queryset=InviteType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the window admits every invite, your own included."),
    )

    def __init__(
        self, *args: Any, event: Event, instance: EntryWindow | None = None, **kwargs: Any
    ) -> None:
        self.event = event
        self.instance = instance
        types = event_types(event)
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "label": instance.label,
                "starts_at": instance.local_starts_at.replace(tzinfo=None),
                "ends_at": instance.local_ends_at.replace(tzinfo=None),
                "capacity": instance.capacity,
                "invite_types": list(instance.invite_types.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)
        types_field = self.fields["invite_types"]
        assert isinstance(types_field, TypeChoiceField)
        chosen = InviteType.objects.filter(pk__in=[t.pk for t in types])
        types_field.queryset = chosen.select_related("group").order_by(
            "group__name", "group_id", "position", "id"
        )
        types_field.labels = type_labels(types)
        self.has_types = bool(types)

    def details(self) -> WindowDetails:
        data = self.cleaned_data
        return WindowDetails(
            label=data["label"].strip(),
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            capacity=data["capacity"],
        )

    def chosen_types(self) -> list[InviteType]:
        return list(self.cleaned_data.get("invite_types") or [])

    def add_service_error(self, error: Exception) -> None:
        field = getattr(error, "field", None)
        if isinstance(error, DuplicateWindowLabel):
            field = "label"
        self.add_error(field if field in self.fields else None, str(error))
