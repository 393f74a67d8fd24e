import pytest
from django.http import Http404

from invites.access import access_invite
from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_organizer_invites
from tests.conftest import give_credits


@pytest.fixture
def invite(org, event) -> Invite:
    give_credits(org, invite=1)
    guests = [GuestInput(name="Guest", email="guest@example.com")]
    return generate_organizer_invites(event, guests, method=InviteBatch.Method.SINGLE).invites.get()


def test_an_organizer_invite_is_found_in_its_organization(org, invite):
    assert access_invite(org, invite.public_id) == invite


def test_another_organizations_invite_is_404_like_a_missing_one(other_org, invite):
    for identifier in (invite.public_id, "nosuchinvite", "bad\x00id"):
        with pytest.raises(Http404, match=r"^No such invite\.$"):
            access_invite(other_org, identifier)
