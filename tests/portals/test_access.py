import re

import pytest
from django.http import Http404

from portals.access import access_group, access_portal


def test_a_group_and_a_portal_are_found_in_their_organization(org, group, portal):
    assert access_group(org, group.public_id) == group
    assert access_portal(org, portal.public_id) == portal


@pytest.mark.parametrize(
    ("lookup", "message"),
    [(access_group, "No such portal group."), (access_portal, "No such portal.")],
)
def test_another_organizations_object_is_404_like_a_missing_one(
    other_org, group, portal, lookup, message
):
    mine = group if lookup is access_group else portal
    for identifier in (mine.public_id, "nosuchobject", "bad\x00id"):
        with pytest.raises(Http404, match=re.escape(message)):
            lookup(other_org, identifier)
