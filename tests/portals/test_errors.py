"""portals/errors.py: one hierarchy, each error once with its own stable code."""

from __future__ import annotations

import inspect

from portals import errors


def _error_classes() -> list[type[errors.PortalError]]:
    return [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.PortalError) and cls is not errors.PortalError
    ]


def test_every_portal_error_has_its_own_code() -> None:
    codes = [cls.code for cls in _error_classes()]

    assert "portal_error" not in codes
    assert len(codes) == len(set(codes))
    assert {"portal_revoked", "portal_not_assigned", "allocation_exceeded"} <= set(codes)


def test_no_other_module_defines_a_portal_error_again() -> None:
    import invites.services
    import portals.claiming
    import portals.services

    for module in (portals.claiming, portals.services, invites.services):
        for name in ("PortalError", "PortalRevoked", "PortalNotAssigned", "AllocationExceeded"):
            assert getattr(module, name, getattr(errors, name)) is getattr(errors, name), (
                f"{module.__name__}.{name}"
            )


def test_the_allocation_refusal_names_the_numbers() -> None:
    refused = errors.AllocationExceeded(requested=8, remaining=6)

    assert str(refused) == "You asked for 8 invites but only 6 remain in your allocation (2 short)."
    assert refused.shortfall == 2
    assert refused.details == {"requested": 8, "remaining": 6, "invite_type": None}
    assert str(errors.AllocationExceeded(requested=1, remaining=0)) == (
        "You asked for 1 invite but only 0 remain in your allocation (1 short)."
    )


def test_the_allocation_floor_names_what_is_used() -> None:
    refused = errors.AllocationBelowUsed(used=1, requested=0)

    assert str(refused) == (
        "1 invite already generated from this portal: the allocation can't go below 1."
    )
    assert refused.details == {"used": 1, "requested": 0}


def test_conflicts_are_409_and_bad_settings_422() -> None:
    assert errors.PortalRevoked().status == 409
    assert errors.InvalidGroupSettings("name", "No.").status == 422
    assert errors.InvalidGroupSettings("name", "No.").details == {"fields": {"name": ["No."]}}


def test_a_long_list_of_duplicate_names_is_shortened() -> None:
    refused = errors.DuplicatePortalName([f"P{n}" for n in range(7)])

    assert str(refused) == (
        "This group already has a portal named “P0”, “P1”, “P2”, “P3”, “P4” and 2 more."
    )
    assert refused.details == {"names": [f"P{n}" for n in range(7)]}
