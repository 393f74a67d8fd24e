"""A list shows each invite exactly as reading it alone does (lists build their items
from plain rows, a single read from the loaded invite: the two must not drift)."""

from __future__ import annotations

from types import SimpleNamespace

from invites.models import Invite
from invites.services import GuestInput, generate_invites
from portals.models import Portal
from tests.api.conftest import ApiClient


def test_every_listed_invite_reads_as_the_invite_itself(
    api: ApiClient, world: SimpleNamespace, assigned_portal: Portal
) -> None:
    # A portal invite through the API (the organizer holds its link), one the owner
    # made (the link stays with the owner; shown once accepted), and the world's
    # organizer invites (one accepted, with a check-in code).
    api.post(
        f"/portals/{assigned_portal.public_id}/invites",
        {"guests": [{"name": "Bo", "email": "bo@example.com", "tags": ["press"]}], "blank": 1},
    )
    [owned] = generate_invites(
        assigned_portal, [GuestInput(name="Cy", metadata={"seat": "A1"})], method="single"
    ).invites.all()
    Invite.objects.filter(pk=owned.pk).update(status=Invite.Status.ACCEPTED)

    listed = (
        api.get(f"/events/{world.event}/invites").json()["items"]
        + api.get(f"/portals/{assigned_portal.public_id}/invites").json()["items"]
    )

    assert len(listed) == 5 + 3
    assert {item["guest_name"] for item in listed} >= {"Bo", "Cy", "Ada Lovelace", "Grace Hopper"}
    assert any(item["check_in_code"] for item in listed)
    assert any(item["url"] is None for item in listed)
    for item in listed:
        assert api.get(f"/invites/{item['id']}").json() == item
