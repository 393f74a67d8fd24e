from django.core.management import call_command

from credits.ledger import balances
from credits.models import CreditEntry
from organizations.models import Organization
from portals.models import Portal


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo")
    call_command("seed_demo")

    organization = Organization.objects.get(slug="demo-art-fair")
    assert organization.memberships.filter(role="owner").count() == 1
    assert organization.events.count() == 1
    assert organization.portal_groups.count() == 2
    assert Portal.objects.filter(organization=organization).count() == 7
    assert CreditEntry.objects.filter(organization=organization).count() == 2
    current = balances(organization)
    assert (current.portal, current.invite) == (10, 250)
