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
from portals.models import Portal

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
        rules.reserve_allocation(portal, 1)


def test_a_reservation_counts_against_the_allocation(portal: Portal) -> None:
    with transaction.atomic():
        rules.reserve_allocation(portal, 7)
        assert (portal.invites_used, portal.remaining) == (7, 3)

        with pytest.raises(AllocationExceeded) as refused:
            rules.reserve_allocation(portal, 4)
        assert (refused.value.requested, refused.value.remaining) == (4, 3)

        rules.release_allocation(portal, 2)
    portal.refresh_from_db()
    assert portal.invites_used == 5


def test_the_allocation_never_goes_below_what_is_used(portal: Portal) -> None:
    with transaction.atomic():
        rules.reserve_allocation(portal, 4)
        with pytest.raises(AllocationBelowUsed) as refused:
            rules.change_allocation(portal, 3)
        assert (refused.value.used, refused.value.requested) == (4, 3)

        rules.change_allocation(portal, 4)
        assert portal.allocation == 4


def _counter_writes(tree: ast.AST) -> list[int]:
    """Lines that write invites_used: `x.invites_used = / +=`, `.update(invites_used=...)`,
    a save or bulk_update naming it, or SQL that SETs it."""
    lines = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Attribute) and t.attr == "invites_used" for t in targets):
            assert isinstance(node, ast.stmt)
            lines.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"update", "bulk_update", "update_or_create", "save"}
            and any(
                kw.arg == "invites_used"
                or (
                    isinstance(kw.value, ast.List | ast.Tuple)
                    and "invites_used" in ast.dump(kw.value)
                )
                for kw in node.keywords
            )
        ):
            lines.append(node.lineno)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.search(r"SET\s.*invites_used\s*=", node.value, re.IGNORECASE | re.DOTALL)
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
