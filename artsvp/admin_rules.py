"""What every admin page shares: state that only services change stays read-only.

A status, a counter, a balance, an owner or an assignment time moves only
through a service (with its lock, its rule and its side effects); the admin
shows it and never writes it. `ServiceStateAdmin` turns `state_fields` into
read-only fields (and `fixed_after_creation` into read-only ones on a saved
row), and refuses adding or deleting rows when `can_add` / `can_delete` say
so: such rows are created or removed by a service only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest


class ServiceStateAdmin(admin.ModelAdmin):
    state_fields: tuple[str, ...] = ()
    fixed_after_creation: tuple[str, ...] = ()
    can_add = True
    can_delete = True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = [*super().get_readonly_fields(request, obj), *self.state_fields]
        if obj is not None:
            fields += self.fixed_after_creation
        return list(dict.fromkeys(fields))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.can_add and super().has_add_permission(request, *args)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.can_delete and super().has_delete_permission(request, obj)


class ServiceStateInline(admin.TabularInline):
    """An inline whose rows only services add, change or remove."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def all_fields(model: type[models.Model]) -> tuple[str, ...]:
    """Every concrete field's name: the state fields of a model the admin only shows."""
    return tuple(field.name for field in model._meta.fields)
