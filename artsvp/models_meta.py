"""Limits read from the models, so forms, CSV parsers and API schemas reference one number."""

from __future__ import annotations

from django.db import models


def max_length_of(model: type[models.Model], field: str) -> int:
    """The `max_length` of a model's text field; a field without one is a mistake here."""
    found = model._meta.get_field(field)
    length = found.max_length if isinstance(found, models.Field) else None
    if length is None:
        raise TypeError(f"{model.__name__}.{field} has no max_length.")
    return length
