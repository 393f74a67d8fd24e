"""portals/rules.py: the live-portal guard and the allocation counters."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from portals import rules
from portals.errors import (
    AllocationBelowUsed,
    AllocationExceeded,
    PortalAlreadyAssigned,
    PortalNotAssigned,
    PortalRevoked,
)
from portals.models import InviteType, Portal, PortalAllocation

ROOT = Path(__file__).resolve().parents[2]


def _set(portal: Portal, **fields: object) -> Portal:
    Portal.objects.filter(pk=portal.pk).update(**fields)
    portal.refresh_from_db()
    return portal


def _assigned(portal: Portal) -> Portal:
    return _set(
        portal,
        status=Portal.Status.ASSIGNED,
        owner_email="owner@galerie-nord.example",
        assigned_at=timezone.now(),
    )


def test_the_status_properties_follow_the_status(portal: Portal) -> None:
    assert (portal.is_unassigned, portal.is_assigned, portal.is_revoked) == (True, False, False)
    _assigned(portal)
    assert (portal.is_unassigned, portal.is_assigned, portal.is_revoked) == (False, True, False)
    _set(portal, status=Portal.Status.REVOKED)
    assert (portal.is_unassigned, portal.is_assigned, portal.is_revoked) == (False, False, True)


def test_only_an_assigned_portal_is_live(portal: Portal) -> None:
    with transaction.atomic():
        with pytest.raises(PortalNotAssigned):
            rules.ensure_live(portal)
        rules.ensure_claimable(portal)

        _assigned(portal)
        rules.ensure_live(portal)
        with pytest.raises(PortalAlreadyAssigned):
            rules.ensure_claimable(portal)

        _set(portal, status=Portal.Status.REVOKED)
        for guard in (rules.ensure_live, rules.ensure_claimable, rules.ensure_not_revoked):
            with pytest.raises(PortalRevoked):
                guard(portal)


@pytest.mark.django_db(transaction=True)
def test_the_rules_refuse_to_decide_outside_a_transaction(portal: Portal) -> None:
    # Without the caller's transaction there is no row lock: the read would be stale.
    with pytest.raises(AssertionError, match="lock"):
        rules.ensure_not_revoked(portal)
    with pytest.raises(AssertionError, match="lock"):
        rules.reserve_allocation(portal, {_first_type(portal).pk: 1})


def _first_type(portal: Portal) -> InviteType:
    return InviteType.objects.filter(group=portal.group).order_by("position", "id")[0]


def test_a_reservation_counts_against_the_allocation(portal: Portal) -> None:
    standard = _first_type(portal).pk
    with transaction.atomic():
        rules.reserve_allocation(portal, {standard: 7})
        assert (portal.invites_used, portal.remaining) == (7, 3)

        with pytest.raises(AllocationExceeded) as refused:
            rules.reserve_allocation(portal, {standard: 4})
        assert (refused.value.requested, refused.value.remaining) == (4, 3)

        rules.release_allocation(portal, standard, 2)
    portal.refresh_from_db()
    assert portal.invites_used == 5
    assert PortalAllocation.objects.get(portal=portal).used == 5


def test_the_allocation_never_goes_below_what_is_used(portal: Portal) -> None:
    standard = _first_type(portal).pk
    with transaction.atomic():
        rules.reserve_allocation(portal, {standard: 4})
        with pytest.raises(AllocationBelowUsed) as refused:
            rules.change_allocation(portal, standard, 3)
        assert (refused.value.used, refused.value.requested) == (4, 3)

        rules.change_allocation(portal, standard, 4)
        assert portal.allocation == 4


def _two_types(portal: Portal) -> tuple[int, int]:
    """The portal's group gets a second type, "VIP Preview", with 2 places for the portal."""
    standard = _first_type(portal)
    vip = InviteType.objects.create(
        organization=portal.organization,
        group=portal.group,
        name="VIP Preview",
        code="vip-preview",
        position=1,
    )
    with transaction.atomic():
        rules.change_allocation(portal, vip.pk, 2)
    return standard.pk, vip.pk


def test_a_reservation_across_types_is_all_or_nothing(portal: Portal) -> None:
    standard, vip = _two_types(portal)
    with transaction.atomic():
        with pytest.raises(AllocationExceeded) as refused:
            rules.reserve_allocation(portal, {standard: 5, vip: 3})
        assert str(refused.value) == (
            "You asked for 3 VIP Preview invites but only 2 remain (1 short)."
        )
        assert refused.value.details == {
            "requested": 3,
            "remaining": 2,
            "invite_type": "vip-preview",
        }
    portal.refresh_from_db()
    assert (portal.allocation, portal.invites_used) == (12, 0)
    used = PortalAllocation.objects.filter(portal=portal).values_list("used", flat=True)
    assert sorted(used) == [0, 0]

    with transaction.atomic():
        rules.reserve_allocation(portal, {standard: 5, vip: 2})
    portal.refresh_from_db()
    assert (portal.allocation, portal.invites_used, portal.remaining) == (12, 7, 5)
    assert PortalAllocation.objects.get(portal=portal, invite_type_id=vip).remaining == 0


COUNTERS = {"invites_used", "used"}


def _counter_writes(tree: ast.AST) -> list[int]:
    """Lines that write the allocation counters (a portal's invites_used, a
    PortalAllocation's used): `x.invites_used = / +=`, `.update(used=...)`,
    a save or bulk_update naming them, or SQL that SETs them."""
    lines = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        if any(
            isinstance(t, ast.Attribute)
            and t.attr in COUNTERS
            # An error or a dataclass keeping the figure it reports writes no counter.
            and not (isinstance(t.value, ast.Name) and t.value.id == "self")
            for t in targets
        ):
            assert isinstance(node, ast.stmt)
            lines.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"update", "bulk_update", "update_or_create", "save"}
            and any(
                kw.arg in COUNTERS
                or (
                    isinstance(kw.value, ast.List | ast.Tuple)
                    and any(repr(counter) in ast.dump(kw.value) for counter in COUNTERS)
                )
                for kw in node.keywords
            )
        ):
            lines.append(node.lineno)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.search(r"SET\s.*\b(invites_)?used\s*=", node.value, re.IGNORECASE | re.DOTALL)
        ):
            lines.append(node.lineno)
    return lines


def test_only_the_rules_change_invites_used() -> None:
    """The invite-types issue extends reserve/release: a second writer would slip past it.
    (bench/invites.py's raw-SQL floor is a measurement, not the product, and is left out.)"""
    writers = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "bench"} or "migrations" in relative.parts:
            continue
        tree = ast.parse(path.read_text())
        writers += [f"{relative}:{line}" for line in _counter_writes(tree)]

    assert writers and all(writer.startswith("portals/rules.py:") for writer in writers), writers
    assert _counter_writes(ast.parse("Portal.objects.update(invites_used=F('invites_used') + 1)"))
    assert _counter_writes(ast.parse("portal.invites_used += 1"))
    assert _counter_writes(ast.parse("portal.save(update_fields=['invites_used'])"))
    assert _counter_writes(ast.parse("sql = 'UPDATE portals_portal SET invites_used = 0'"))
