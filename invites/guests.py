"""A guest as every transport hands it to generation, and the one check of it.

The service (invites/services.py) enforces `check_guest` for every guest of a
batch; the paste/CSV parser (invites/guest_lists.py) asks it to report row
errors before anything is sent; the API schema (invites/api.py) declares the
same limits for clients and runs `metadata_problem` so that the field is named.
The limits live here, beside the check that enforces them; forms, parsers and
schemas import them from here, never from one another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy

from artsvp.models_meta import max_length_of
from invites.models import Invite

# The organizer's invites bring at most as many extra guests as a portal group may allow.
from portals.services import MAX_PLUS_ONES

__all__ = [
    "MAX_BLANK_LINKS",
    "MAX_CSV_BYTES",
    "MAX_CSV_ROWS",
    "MAX_LABEL_LENGTH",
    "MAX_METADATA_BYTES",
    "MAX_METADATA_DEPTH",
    "MAX_NAME_LENGTH",
    "MAX_PASTED_LINES",
    "MAX_PLUS_ONES",
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "MAX_USES",
    "OWNER_FLAGS_PROBLEM",
    "GuestInput",
    "GuestProblem",
    "check_guest",
    "metadata_problem",
    "tags_problem",
]


MAX_NAME_LENGTH = max_length_of(Invite, "guest_name")
MAX_LABEL_LENGTH = max_length_of(Invite, "label")
# One link for a whole team; more than this is a public registration page.
MAX_USES = 500
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
# A guest's metadata (API field, CSV columns) as compact UTF-8 JSON: one CSV
# row once stored 1.9 MB, which every list, export and preview then carried.
MAX_METADATA_BYTES = 4000
MAX_METADATA_DEPTH = 5
# The web's guest lists: what one paste, one upload and one blank-links form
# may hold (the service's own cap per batch is MAX_BATCH_SIZE).
MAX_PASTED_LINES = 1_000
MAX_CSV_ROWS = 5_000
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_BLANK_LINKS = 1_000
# Golden and approval per invite are the organizer's to set; a portal's owner's
# invites take their type's (the service refuses them, the owner's CSV says so).
OWNER_FLAGS_PROBLEM = gettext_lazy("golden and approval are set by the organizer.")


@dataclass(frozen=True)
class GuestInput:
    name: str = ""
    email: str = ""
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    # None: the default (the invite type's plus-ones, 0 for the organizer).
    plus_ones: int | None = None
    label: str = ""
    # The invite type's code; None: the batch's type (required when the
    # portal's group has more than one).
    invite_type: str | None = None
    # How many people may answer the link (a multi-use link when > 1).
    uses: int = 1
    # None: the invite type's default (False for the organizer's untyped invites).
    golden: bool | None = None
    needs_approval: bool | None = None
    # The guest's language (a CSV cell, an API field); empty, or a code we do
    # not know: the batch's (invites/services.py `_row`).
    language: str = ""


@dataclass(frozen=True)
class GuestProblem:
    """One thing wrong with a guest: the field it is about, and the sentence users see."""

    field: str
    message: str


def check_guest(
    guest: GuestInput, *, max_plus_ones: int, blank: bool = False
) -> list[GuestProblem]:
    """Everything wrong with `guest`, in the order users read it; empty when it may be invited.

    `blank`: the settings of blank links (label, uses, flags), which need no name.
    """
    problems: list[GuestProblem] = []
    if not blank and not guest.name.strip() and not guest.email.strip() and not guest.label.strip():
        # A label alone makes a blank link the guest fills in ("Galerie Nord team").
        problems.append(GuestProblem("name", gettext("give a name, an email address or a label.")))
    if len(guest.name) > MAX_NAME_LENGTH:
        problems.append(
            GuestProblem(
                "name",
                gettext("the name is longer than %(limit)s characters.")
                % {"limit": MAX_NAME_LENGTH},
            )
        )
    if guest.email:
        try:
            validate_email(guest.email)
        except ValidationError:
            problems.append(
                GuestProblem(
                    "email",
                    gettext("%(value)r is not a valid email address.") % {"value": guest.email},
                )
            )
    if len(guest.label) > MAX_LABEL_LENGTH:
        problems.append(
            GuestProblem(
                "label",
                gettext("the label is longer than %(limit)s characters.")
                % {"limit": MAX_LABEL_LENGTH},
            )
        )
    if not 1 <= guest.uses <= MAX_USES:
        problems.append(
            GuestProblem(
                "uses", gettext("uses must be between 1 and %(limit)s.") % {"limit": MAX_USES}
            )
        )
    problem = tags_problem(guest.tags)
    if problem:
        problems.append(GuestProblem("tags", problem))
    if guest.plus_ones is not None and not 0 <= guest.plus_ones <= max_plus_ones:
        problems.append(
            GuestProblem(
                "plus_ones",
                gettext("plus-ones must be between 0 and %(limit)s.") % {"limit": max_plus_ones},
            )
        )
    problem = metadata_problem(guest.metadata)
    if problem:
        problems.append(GuestProblem("metadata", problem))
    return problems


def tags_problem(tags: list[str]) -> str | None:
    if len(tags) > MAX_TAGS or any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        return gettext("at most %(count)s tags of %(length)s characters each.") % {
            "count": MAX_TAGS,
            "length": MAX_TAG_LENGTH,
        }
    return None


def metadata_problem(metadata: Any) -> str | None:
    """Why `metadata` cannot be stored with an invite, or None."""
    if not isinstance(metadata, dict):
        return gettext("metadata must be a JSON object.")
    problem = _json_problem(metadata, depth=0)
    if problem:
        return problem
    size = len(json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_METADATA_BYTES:
        return gettext(
            "metadata is %(size)s bytes of JSON; keep it under %(limit)s bytes per guest."
        ) % {
            "size": number_format(size, force_grouping=True),
            "limit": number_format(MAX_METADATA_BYTES, force_grouping=True),
        }
    return None


def _json_problem(value: Any, *, depth: int) -> str | None:
    if depth > MAX_METADATA_DEPTH:
        return gettext("metadata may be nested at most %(depth)s levels deep.") % {
            "depth": MAX_METADATA_DEPTH
        }
    if isinstance(value, str) and "\x00" in value:
        # PostgreSQL cannot store NUL in JSON.
        return gettext("metadata may not contain NUL characters.")
    items: list[Any] = []
    if isinstance(value, dict):
        items = [item for pair in value.items() for item in pair]
    elif isinstance(value, list):
        items = value
    for item in items:
        problem = _json_problem(item, depth=depth + 1)
        if problem:
            return problem
    return None
