"""Why a portal or a portal group refuses a change: one hierarchy, each error
once, with the stable `code` the API answers with (config/api.py maps them)
and the message the HTML pages show.

Every error is a conflict with the state of the portal (HTTP 409) unless it
says otherwise with `status`; `details` is the machine-readable part of the
API's answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext, ngettext

from artsvp.i18n import LANGUAGE_CODES


class PortalError(Exception):
    code = "portal_error"
    status = 409

    @property
    def details(self) -> dict[str, Any]:
        return {}


class PortalRevoked(PortalError):
    code = "portal_revoked"

    def __init__(self) -> None:
        super().__init__(gettext("This portal is revoked: it can no longer be used or changed."))


class PortalNotAssigned(PortalError):
    code = "portal_not_assigned"

    def __init__(self) -> None:
        super().__init__(gettext("This portal has no owner yet: nobody has claimed its link."))


class PortalAlreadyAssigned(PortalError):
    code = "portal_already_assigned"

    def __init__(self) -> None:
        super().__init__(gettext("This portal has already been claimed."))


class AllocationExceeded(PortalError):
    """A batch needs more invites than the portal's allocation has left."""

    code = "allocation_exceeded"

    def __init__(
        self,
        *,
        requested: int,
        remaining: int,
        invite_type: str | None = None,
        invite_type_code: str | None = None,
    ) -> None:
        self.requested = requested
        self.remaining = remaining
        self.invite_type = invite_type
        self.invite_type_code = invite_type_code
        if invite_type:
            asked = ngettext(
                "You asked for %(requested)d %(type)s invite",
                "You asked for %(requested)d %(type)s invites",
                requested,
            ) % {"requested": requested, "type": invite_type}
            left = ngettext(
                "only %(remaining)d remains", "only %(remaining)d remain", remaining
            ) % {"remaining": remaining}
        else:
            asked = ngettext(
                "You asked for %(requested)d invite",
                "You asked for %(requested)d invites",
                requested,
            ) % {"requested": requested}
            left = ngettext(
                "only %(remaining)d remains in your allocation",
                "only %(remaining)d remain in your allocation",
                remaining,
            ) % {"remaining": remaining}
        super().__init__(
            gettext("%(asked)s but %(left)s (%(shortfall)d short).")
            % {"asked": asked, "left": left, "shortfall": self.shortfall}
        )

    @property
    def shortfall(self) -> int:
        return self.requested - self.remaining

    @property
    def details(self) -> dict[str, Any]:
        return {
            "requested": self.requested,
            "remaining": self.remaining,
            "invite_type": self.invite_type_code,
        }


class AllocationBelowUsed(PortalError):
    """The organizer asked for an allocation below the invites already generated."""

    code = "allocation_below_used"

    def __init__(self, *, used: int, requested: int | None = None) -> None:
        self.used = used
        self.requested = requested
        super().__init__(
            ngettext(
                "%(used)d invite already generated from this portal: "
                "the allocation can't go below %(used)d.",
                "%(used)d invites already generated from this portal: "
                "the allocation can't go below %(used)d.",
                used,
            )
            % {"used": used}
        )

    @property
    def details(self) -> dict[str, Any]:
        return {"used": self.used, "requested": self.requested}


class DuplicateGroupName(PortalError):
    """Group names are unique per event, ignoring case (also a database constraint)."""

    code = "duplicate_group_name"

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(gettext("This event already has a portal group with this name."))

    @property
    def details(self) -> dict[str, Any]:
        return {"name": self.name}


class DuplicatePortalName(PortalError):
    """Portal names are unique per group, ignoring case (also a database constraint)."""

    code = "duplicate_portal_name"

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        listed = ", ".join(f"“{name}”" for name in self.names[:5])
        if len(self.names) > 5:
            listed = gettext("%(listed)s and %(more)d more") % {
                "listed": listed,
                "more": len(self.names) - 5,
            }
        super().__init__(
            gettext("This group already has a portal named %(listed)s.") % {"listed": listed}
        )

    @property
    def details(self) -> dict[str, Any]:
        return {"names": self.names}


class InvalidGroupSettings(PortalError):
    """A request-shaped refusal (422), raised whichever page or endpoint sent it."""

    code = "invalid"
    status = 422

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)

    @property
    def details(self) -> dict[str, Any]:
        return {"fields": {self.field: [str(self)]}}


class UnknownGroupLanguage(InvalidGroupSettings):
    """Instructions in a language that is not one of ours (settings.LANGUAGES)."""

    code = "unknown_language"

    def __init__(self, code: str) -> None:
        super().__init__(
            "translations",
            gettext("“%(code)s” is not one of our languages. Use %(codes)s.")
            % {"code": code, "codes": ", ".join(LANGUAGE_CODES)},
        )


class NoContactEmail(PortalError):
    code = "no_contact_email"

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "This portal has no contact email. Add one (edit the portal), or copy the link "
                "and send it yourself."
            )
        )


class DuplicateInviteTypeCode(PortalError):
    """Invite type codes are unique in their group (also a database constraint)."""

    code = "duplicate_invite_type_code"

    def __init__(self, code: str) -> None:
        self.type_code = code
        super().__init__(
            gettext("This group already has an invite type with the code “%(code)s”.")
            % {"code": code}
        )

    @property
    def details(self) -> dict[str, Any]:
        return {"fields": {"code": [str(self)]}, "invite_type": self.type_code}


class TooManyInviteTypes(PortalError):
    """A group has at most MAX_INVITE_TYPES live types."""

    code = "too_many_invite_types"

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            ngettext(
                "A portal group has at most %(limit)d invite type: archive one first.",
                "A portal group has at most %(limit)d invite types: archive one first.",
                limit,
            )
            % {"limit": limit}
        )

    @property
    def details(self) -> dict[str, Any]:
        return {"limit": self.limit}


class LastInviteType(PortalError):
    """Every group keeps at least one live invite type."""

    code = "last_invite_type"

    def __init__(self) -> None:
        super().__init__(
            gettext("This is the group's only invite type: a group needs at least one.")
        )


class InviteTypeArchived(PortalError):
    code = "invite_type_archived"

    def __init__(self) -> None:
        super().__init__(gettext("This invite type is archived: it can no longer be changed."))
