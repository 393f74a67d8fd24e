"""The organization-created hooks: how the apps above add their rows to a new organization."""

import pytest

from organizations import hooks
from organizations.models import Membership, Organization
from organizations.services import create_organization


@pytest.fixture
def extra_hook(monkeypatch):
    """Registers hooks for one test only."""
    registered = list(hooks._created_hooks)
    monkeypatch.setattr(hooks, "_created_hooks", registered)
    return hooks.on_organization_created


def test_every_hook_runs_with_the_new_organization(alice, extra_hook):
    seen = []
    extra_hook(lambda organization: seen.append(organization.slug))

    organization = create_organization("Kunst Basel", owner=alice)

    assert seen == [organization.slug]
    # The credits app's own hook ran too.
    assert organization.credit_accounts.count() == 2


def test_a_hook_that_fails_leaves_no_organization_behind(alice, extra_hook):
    def refuse(organization):
        raise RuntimeError("no room")

    extra_hook(refuse)

    with pytest.raises(RuntimeError):
        create_organization("Kunst Basel", owner=alice)
    assert not Organization.objects.exists()
    assert not Membership.objects.exists()


def test_a_hook_registered_twice_runs_once(alice, extra_hook):
    seen = []

    def count(organization):
        seen.append(organization.pk)

    extra_hook(count)
    extra_hook(count)
    create_organization("Kunst Basel", owner=alice)
    assert len(seen) == 1
