"""Generating, listing, reading, sending and revoking invites."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from credits.ledger import balances
from credits.models import CreditEntry
from deliveries.models import Delivery
from events.models import Event
from invites.answers import respond
from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_invites
from organizations.models import Organization
from portals.models import Portal, PortalGroup
from tests.api.conftest import ApiClient, assert_error
from tests.conftest import give_credits, make_group
from tests.invites.type_helpers import add_type, used_by_type

GUESTS = [
    {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "tags": ["collector", "vip"],
        "metadata": {"crm_id": 42, "notes": {"seat": "A1"}},
        "plus_ones": 1,
    },
    {"name": "Grace Hopper"},
]


def portal_invites_path(portal: Portal) -> str:
    return f"/portals/{portal.public_id}/invites"


# --- Generating for a portal ------------------------------------------------------------------


def test_it_generates_invites_from_a_portal_using_one_credit_each(
    api: ApiClient, assigned_portal: Portal, org: Organization, settings: Any
) -> None:
    give_credits(org, invite=10)

    response = api.post(portal_invites_path(assigned_portal), {"guests": GUESTS, "blank": 1})

    assert response.status_code == 201
    body = response.json()
    assert body["invite_credits_remaining"] == 7
    assert body["emails_queued"] == 0
    ada, grace, blank = body["invites"]
    invite = Invite.objects.get(public_id=ada["id"])
    assert ada["url"] == f"{settings.SITE_URL}/i/{invite.token}/"
    assert ada["source"] == ada["portal_id"] == assigned_portal.public_id
    assert (ada["guest_name"], ada["guest_email"], ada["status"]) == (
        "Ada Lovelace",
        "ada@example.com",
        "created",
    )
    assert ada["tags"] == ["collector", "vip"]
    assert ada["metadata"] == {"crm_id": 42, "notes": {"seat": "A1"}}
    assert ada["plus_ones_allowed"] == 1
    assert grace["plus_ones_allowed"] == 1  # the group's default
    assert (blank["guest_name"], blank["guest_email"]) == ("", "")
    assert balances(org).invite == 7
    assigned_portal.refresh_from_db()
    assert assigned_portal.invites_used == 3
    assert InviteBatch.objects.get(public_id=body["batch_id"]).method == "api"


def test_an_unclaimed_portal_cannot_generate(
    api: ApiClient, portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=10)

    assert_error(api.post(portal_invites_path(portal), {"blank": 1}), 409, "portal_not_assigned")
    assert not Invite.objects.exists()
    assert balances(org).invite == 10


def test_a_revoked_portal_cannot_generate(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=10)
    api.patch(f"/portals/{assigned_portal.public_id}", {"revoked": True})

    response = api.post(portal_invites_path(assigned_portal), {"blank": 1})

    assert_error(response, 409, "portal_revoked")
    assert not Invite.objects.exists()


def test_a_batch_beyond_the_allocation_creates_nothing(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=50)

    response = api.post(portal_invites_path(assigned_portal), {"blank": 12})

    body = assert_error(response, 409, "allocation_exceeded")
    assert body["details"] == {"requested": 12, "remaining": 10, "invite_type": "standard"}
    assert not Invite.objects.exists()
    assert balances(org).invite == 50


def test_a_batch_beyond_the_credits_creates_nothing(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=2)

    response = api.post(portal_invites_path(assigned_portal), {"blank": 3})

    body = assert_error(response, 402, "insufficient_credits")
    assert body["details"] == {"kind": "invite", "requested": 3, "available": 2}
    assert not Invite.objects.exists()
    assigned_portal.refresh_from_db()
    assert assigned_portal.invites_used == 0


def test_invalid_guests_are_refused_with_field_errors(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=10)
    body = {
        "guests": [
            {"name": "Ada", "email": "not-an-email"},
            {"name": "x" * 201, "plus_ones": -1, "tags": ["t" * 51]},
        ],
        "blank": -1,
    }

    fields = assert_error(api.post(portal_invites_path(assigned_portal), body), 422, "invalid")[
        "details"
    ]["fields"]

    assert set(fields) == {
        "guests.0.email",
        "guests.1.name",
        "guests.1.plus_ones",
        "guests.1.tags.0",
        "blank",
    }
    assert not Invite.objects.exists()


def test_an_empty_request_or_a_guest_without_name_or_email_is_refused(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=10)

    empty = api.post(portal_invites_path(assigned_portal), {})
    nameless = api.post(portal_invites_path(assigned_portal), {"guests": [{"tags": ["x"]}]})

    assert assert_error(empty, 422, "invalid")["details"]["fields"]["guests"]
    assert assert_error(nameless, 422, "invalid")["details"]["fields"]["guests"]
    # More plus-ones than the group allows is the service's decision, reported the same way.
    too_many = api.post(
        portal_invites_path(assigned_portal), {"guests": [{"name": "A", "plus_ones": 5}]}
    )
    assert assert_error(too_many, 422, "invalid")["details"]["fields"]["guests"]
    assert balances(org).invite == 10


def test_nul_characters_and_oversized_metadata_are_refused(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=10)
    path = portal_invites_path(assigned_portal)

    nul_name = api.post(path, {"guests": [{"name": "A\x00"}]})
    nul_metadata = api.post(path, {"guests": [{"name": "A", "metadata": {"k": "v\x00"}}]})
    big_metadata = api.post(path, {"guests": [{"name": "A", "metadata": {"k": "v" * 5000}}]})

    assert_error(nul_name, 422, "invalid")
    assert_error(nul_metadata, 422, "invalid")
    assert_error(big_metadata, 422, "invalid")
    assert not Invite.objects.exists()


# --- Idempotency --------------------------------------------------------------------------


def test_a_replayed_idempotency_key_returns_the_first_response_and_uses_no_credit(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=10)
    headers = {"Idempotency-Key": "order-1234"}
    first = api.post(portal_invites_path(assigned_portal), {"guests": GUESTS}, headers=headers)
    give_credits(org, invite=5)  # the balance moves on meanwhile

    replay = api.post(portal_invites_path(assigned_portal), {"guests": GUESTS}, headers=headers)

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.json()["invite_credits_remaining"] == 8
    assert Invite.objects.count() == 2
    assert balances(org).invite == 13
    assert CreditEntry.objects.filter(reason="invite_generation").count() == 1


def test_an_idempotency_key_belongs_to_one_portal(
    api: ApiClient, assigned_portal: Portal, group: PortalGroup, org: Organization, event: Event
) -> None:
    give_credits(org, invite=10)
    headers = {"Idempotency-Key": "order-1234"}
    api.post(portal_invites_path(assigned_portal), {"blank": 1}, headers=headers)

    other = api.post(f"/events/{event.public_id}/invites", {"blank": 1}, headers=headers)

    assert_error(other, 409, "idempotency_key_reused")
    assert Invite.objects.count() == 1


def test_an_idempotency_key_reused_with_another_body_is_refused(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=10)
    headers = {"Idempotency-Key": "order-1234"}
    path = portal_invites_path(assigned_portal)
    first = api.post(path, {"guests": GUESTS}, headers=headers)

    other_guests = api.post(path, {"guests": GUESTS[:1]}, headers=headers)
    other_message = api.post(
        path, {"guests": GUESTS, "send": True, "subject": "Hi"}, headers=headers
    )

    assert first.status_code == 201
    assert_error(other_guests, 422, "idempotency_key_mismatch")
    assert_error(other_message, 422, "idempotency_key_mismatch")
    assert Invite.objects.count() == 2
    assert balances(org).invite == 8
    assert not Delivery.objects.exclude(template="portal-link").exists()  # the claim's copy only


def test_the_same_body_in_another_key_order_or_spelling_is_a_replay(
    api: ApiClient, event: Event, org: Organization
) -> None:
    give_credits(org, invite=10)
    headers = {"Idempotency-Key": "order-77"}
    path = f"/events/{event.public_id}/invites"
    first = api.post(path, {"guests": [{"name": "Ada"}], "blank": 1}, headers=headers)

    replay = api.post(
        path, {"send": False, "blank": 1, "guests": [{"tags": [], "name": "Ada"}]}, headers=headers
    )

    assert replay.status_code == 201 and replay.json() == first.json()
    assert balances(org).invite == 8


def test_an_idempotency_key_is_remembered_for_a_day_then_released(
    api: ApiClient, event: Event, org: Organization
) -> None:
    give_credits(org, invite=10)
    headers = {"Idempotency-Key": "daily-sync"}
    path = f"/events/{event.public_id}/invites"
    first = api.post(path, {"blank": 1}, headers=headers)
    batch = InviteBatch.objects.get(public_id=first.json()["batch_id"])
    InviteBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timedelta(hours=23, minutes=59)
    )

    within_a_day = api.post(path, {"blank": 1}, headers=headers)
    InviteBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    next_day = api.post(path, {"blank": 2}, headers=headers)

    assert within_a_day.json()["batch_id"] == batch.public_id
    assert next_day.status_code == 201
    assert next_day.json()["batch_id"] != batch.public_id
    assert balances(org).invite == 7


def test_an_idempotency_key_is_printable_and_short(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=10)

    too_long = api.post(
        portal_invites_path(assigned_portal), {"blank": 1}, headers={"Idempotency-Key": "k" * 201}
    )

    assert_error(too_long, 422, "invalid")
    assert not Invite.objects.exists()


# --- The organizer's own invites ------------------------------------------------------------


def test_the_organizer_generates_invites_without_a_portal(
    api: ApiClient, event: Event, org: Organization
) -> None:
    give_credits(org, invite=5)

    response = api.post(
        f"/events/{event.public_id}/invites",
        {"guests": [{"name": "Ada", "email": "ada@example.com", "plus_ones": 3}], "blank": 1},
    )

    assert response.status_code == 201
    ada, blank = response.json()["invites"]
    assert (ada["source"], ada["portal_id"], ada["event_id"]) == (
        "organizer",
        None,
        event.public_id,
    )
    assert (ada["plus_ones_allowed"], blank["plus_ones_allowed"]) == (3, 0)
    assert response.json()["invite_credits_remaining"] == 3


def test_the_organizer_needs_credits_too(api: ApiClient, event: Event, org: Organization) -> None:
    body = assert_error(
        api.post(f"/events/{event.public_id}/invites", {"blank": 1}), 402, "insufficient_credits"
    )

    assert body["details"]["requested"] == 1
    assert body["details"]["available"] == 0


# --- Sending ------------------------------------------------------------------------------------


def test_send_true_queues_an_email_for_each_guest_with_an_address(
    api: ApiClient, event: Event, org: Organization
) -> None:
    give_credits(org, invite=5)

    response = api.post(
        f"/events/{event.public_id}/invites",
        {"guests": GUESTS, "blank": 1, "send": True, "subject": "Join us", "message": "Hello!"},
    )

    assert response.json()["emails_queued"] == 1
    delivery = Delivery.objects.get()
    assert (delivery.recipient, delivery.context["subject"], delivery.context["message"]) == (
        "ada@example.com",
        "Join us",
        "Hello!",
    )


def test_an_invite_can_be_sent_again(api: ApiClient, event: Event, org: Organization) -> None:
    give_credits(org, invite=5)
    ada = api.post(f"/events/{event.public_id}/invites", {"guests": GUESTS[:1]}).json()["invites"][
        0
    ]

    response = api.post(f"/invites/{ada['id']}/send", {"subject": "Reminder"})

    assert response.status_code == 200
    assert response.json()["id"] == ada["id"]
    assert Delivery.objects.get().context["subject"] == "Reminder"


def test_an_invite_without_an_address_cannot_be_sent(
    api: ApiClient, event: Event, org: Organization
) -> None:
    give_credits(org, invite=5)
    blank = api.post(f"/events/{event.public_id}/invites", {"blank": 1}).json()["invites"][0]

    assert_error(api.post(f"/invites/{blank['id']}/send"), 409, "no_recipients")
    assert not Delivery.objects.exists()


# --- Reading ---------------------------------------------------------------------------------


def test_it_reads_one_invite(api: ApiClient, event: Event, org: Organization) -> None:
    give_credits(org, invite=5)
    created = api.post(f"/events/{event.public_id}/invites", {"guests": GUESTS[:1]}).json()

    response = api.get(f"/invites/{created['invites'][0]['id']}")

    assert response.status_code == 200
    assert response.json() == created["invites"][0]


def test_a_generated_batch_reads_exactly_like_its_invites_one_by_one(
    api: ApiClient, assigned_portal: Portal, event: Event, org: Organization
) -> None:
    give_credits(org, invite=10)
    guests = [*GUESTS, {"name": "Zoë Ålander \u2603", "email": "zoe@example.com", "tags": ["ü"]}]

    for path in (portal_invites_path(assigned_portal), f"/events/{event.public_id}/invites"):
        created = api.post(path, {"guests": guests, "blank": 1}).json()["invites"]

        assert len(created) == 4
        assert created == [api.get(f"/invites/{invite['id']}").json() for invite in created]


def test_lists_filter_by_status_source_and_update_time(
    api: ApiClient, event: Event, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=10)
    own = api.post(f"/events/{event.public_id}/invites", {"blank": 2}).json()["invites"]
    from_portal = api.post(portal_invites_path(assigned_portal), {"blank": 1}).json()["invites"]
    api.post(f"/invites/{own[0]['id']}/revoke")
    Invite.objects.filter(public_id=own[1]["id"]).update(
        updated_at=timezone.now() - timedelta(days=3)
    )
    path = f"/events/{event.public_id}/invites"

    def ids(**params: Any) -> list[str]:
        response = api.get(path, params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    everything = [from_portal[0]["id"], own[1]["id"], own[0]["id"]]
    assert ids() == everything
    assert ids(status="revoked") == [own[0]["id"]]
    assert ids(source="organizer") == [own[1]["id"], own[0]["id"]]
    assert ids(source=assigned_portal.public_id) == [from_portal[0]["id"]]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(updated_since=since) == [from_portal[0]["id"], own[0]["id"]]
    assert [i["id"] for i in api.get(portal_invites_path(assigned_portal)).json()["items"]] == [
        from_portal[0]["id"]
    ]
    assert_error(api.get(path, {"status": "lost"}), 422, "invalid")
    assert_error(api.get(path, {"updated_since": "yesterday"}), 422, "invalid")
    assert_error(api.get(path, {"source": "nosuchportal00"}), 404, "not_found")


def test_a_portal_owners_own_invites_stay_private_until_accepted(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    """The guest-list rule: the organizer sees a portal's guests once they accept."""
    give_credits(org, invite=5)
    batch = generate_invites(
        assigned_portal,
        [GuestInput(name="Private", email="p@example.com"), GuestInput(name="Yes")],
        method=InviteBatch.Method.SINGLE,
    )
    private, accepting = batch.invites.order_by("id")
    respond(accepting, accept=True)

    listed = api.get(portal_invites_path(assigned_portal)).json()["items"]

    assert [item["id"] for item in listed] == [accepting.public_id]
    assert_error(api.get(f"/invites/{private.public_id}"), 404, "not_found")
    # Sharing turned on later applies to new invites only.
    assigned_portal.group.share_all_invites = True
    assigned_portal.group.save()
    generate_invites(assigned_portal, [GuestInput(name="Shared")], method=InviteBatch.Method.SINGLE)
    names = [
        item["guest_name"] for item in api.get(portal_invites_path(assigned_portal)).json()["items"]
    ]
    assert sorted(names) == ["Shared", "Yes"]


def test_an_organizer_key_gets_no_link_of_the_invites_a_portal_owner_generated(
    api: ApiClient, assigned_portal: Portal, group: PortalGroup, org: Organization, event: Event
) -> None:
    """A portal's links belong to its owner, as on the guest list page; what the key
    generated itself, for a portal or not, keeps its link so an integrator can send it."""
    give_credits(org, invite=10)
    group.share_all_invites = True
    group.save()
    owners = generate_invites(
        assigned_portal, [GuestInput(name="Owner's guest")], method=InviteBatch.Method.SINGLE
    ).invites.get()
    keys_portal = api.post(portal_invites_path(assigned_portal), {"blank": 1}).json()["invites"][0]
    keys_own = api.post(f"/events/{event.public_id}/invites", {"blank": 1}).json()["invites"][0]

    listed = {
        item["id"]: item["url"]
        for item in api.get(f"/events/{event.public_id}/invites").json()["items"]
    }
    read = api.get(f"/invites/{owners.public_id}").json()
    by_portal = api.get(portal_invites_path(assigned_portal)).json()["items"]

    assert listed[owners.public_id] is None and read["url"] is None
    assert owners.token not in str(listed) + str(read) + str(by_portal)
    assert listed[keys_portal["id"]] == keys_portal["url"] is not None
    assert listed[keys_own["id"]] == keys_own["url"] is not None
    assert api.get(f"/invites/{keys_portal['id']}").json()["url"] == keys_portal["url"]


# --- Revoking --------------------------------------------------------------------------------


def test_revoking_gives_the_slot_back_but_not_the_credit(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=5)
    invite = api.post(portal_invites_path(assigned_portal), {"blank": 1}).json()["invites"][0]

    response = api.post(f"/invites/{invite['id']}/revoke")

    assert response.json()["status"] == "revoked"
    assigned_portal.refresh_from_db()
    assert assigned_portal.invites_used == 0
    assert balances(org).invite == 4
    # Revoking twice changes nothing more.
    assert api.post(f"/invites/{invite['id']}/revoke").status_code == 200
    assigned_portal.refresh_from_db()
    assert assigned_portal.invites_used == 0


def test_an_answered_invite_cannot_be_revoked(
    api: ApiClient, event: Event, org: Organization
) -> None:
    give_credits(org, invite=5)
    created = api.post(f"/events/{event.public_id}/invites", {"guests": GUESTS[:1]}).json()
    invite = Invite.objects.get(public_id=created["invites"][0]["id"])
    respond(invite, accept=True)

    assert_error(api.post(f"/invites/{invite.public_id}/revoke"), 409, "invite_answered")
    invite.refresh_from_db()
    assert invite.status == "accepted"


# --- Tenancy ------------------------------------------------------------------------------------


def test_another_organization_reaches_none_of_the_invites(
    api: ApiClient,
    outsider_api: ApiClient,
    event: Event,
    assigned_portal: Portal,
    other_portal: Portal,
    org: Organization,
    other_org: Organization,
) -> None:
    give_credits(org, invite=5)
    give_credits(other_org, invite=5)
    invite = api.post(f"/events/{event.public_id}/invites", {"guests": GUESTS[:1]}).json()[
        "invites"
    ][0]
    other_event = other_portal.group.event.public_id

    # Alice's ids in charlie's paths...
    assert_error(outsider_api.get(f"/invites/{invite['id']}"), 404, "not_found")
    assert_error(outsider_api.post(f"/invites/{invite['id']}/send"), 404, "not_found")
    assert_error(outsider_api.post(f"/invites/{invite['id']}/revoke"), 404, "not_found")
    assert_error(outsider_api.get(f"/events/{event.public_id}/invites"), 404, "not_found")
    assert_error(outsider_api.get(portal_invites_path(assigned_portal)), 404, "not_found")
    # ... and in charlie's query string.
    response = outsider_api.get(
        f"/events/{other_event}/invites", {"source": assigned_portal.public_id}
    )
    assert_error(response, 404, "not_found")
    # Charlie's key never spends alice's credits.
    response = outsider_api.post(portal_invites_path(assigned_portal), {"blank": 1})
    assert_error(response, 404, "not_found")
    assert balances(org).invite == 4
    assert Invite.objects.get(public_id=invite["id"]).status == "created"
    assert not Delivery.objects.exclude(template="portal-link").exists()  # the claim's copy only


# --- Invite types, labels, uses, golden and approval ------------------------------------------


def test_a_portal_batch_takes_a_type_and_per_guest_fields(
    api: ApiClient, assigned_portal: Portal, group: PortalGroup, org: Organization
) -> None:
    give_credits(org, invite=10)
    add_type(group, "vip", "VIP", allocations={assigned_portal: 5}, needs_approval=True)

    response = api.post(
        portal_invites_path(assigned_portal),
        {
            "invite_type": "vip",
            "guests": [
                {"name": "Ada", "label": "Collector", "golden": True},
                {"label": "Team Nord", "uses": 3, "approval": False},
                {"name": "Bea", "invite_type": "standard"},
            ],
        },
    )

    assert response.status_code == 201, response.content
    ada, team, bea = response.json()["invites"]
    assert (ada["invite_type"], ada["label"], ada["golden"], ada["needs_approval"]) == (
        "vip",
        "Collector",
        True,
        True,
    )
    assert (team["uses"], team["uses_taken"], team["needs_approval"]) == (3, 0, False)
    assert (bea["invite_type"], bea["golden"], bea["entry_window"]) == ("standard", False, None)
    assert used_by_type(assigned_portal) == {"standard": (1, 10), "vip": (4, 5)}
    # GET and lists show the same.
    read = api.get(f"/invites/{team['id']}").json()
    assert {key: read[key] for key in ("invite_type", "uses", "uses_taken", "label")} == {
        "invite_type": "vip",
        "uses": 3,
        "uses_taken": 0,
        "label": "Team Nord",
    }
    listed = api.get(portal_invites_path(assigned_portal)).json()["items"]
    assert {item["id"]: item["invite_type"] for item in listed} == {
        ada["id"]: "vip",
        team["id"]: "vip",
        bea["id"]: "standard",
    }


def test_several_types_need_one_named(
    api: ApiClient, assigned_portal: Portal, group: PortalGroup, org: Organization
) -> None:
    give_credits(org, invite=10)
    add_type(group, "vip", "VIP", allocations={assigned_portal: 5})

    body = assert_error(
        api.post(portal_invites_path(assigned_portal), {"blank": 1}), 422, "invalid"
    )

    assert body["details"]["fields"]["guests"] == ["Choose an invite type for the blank links."]


def test_a_type_beyond_its_allocation_is_409_with_its_numbers(
    api: ApiClient, assigned_portal: Portal, group: PortalGroup, org: Organization
) -> None:
    give_credits(org, invite=10)
    add_type(group, "vip", "VIP Preview", allocations={assigned_portal: 2})

    response = api.post(
        portal_invites_path(assigned_portal),
        {"invite_type": "vip", "guests": [{"label": "T", "uses": 3}]},
    )

    body = assert_error(response, 409, "allocation_exceeded")
    assert body["details"] == {"invite_type": "vip", "requested": 3, "remaining": 2}
    assert body["message"] == "You asked for 3 VIP Preview invites but only 2 remain (1 short)."
    assert not Invite.objects.exists() and balances(org).invite == 10


def test_an_unknown_type_is_422_naming_the_field(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=10)

    batch = assert_error(
        api.post(portal_invites_path(assigned_portal), {"invite_type": "gold", "blank": 1}),
        422,
        "unknown_invite_type",
    )
    guest = assert_error(
        api.post(
            portal_invites_path(assigned_portal),
            {"guests": [{"name": "A"}, {"name": "B", "invite_type": "gold"}]},
        ),
        422,
        "unknown_invite_type",
    )

    assert list(batch["details"]["fields"]) == ["invite_type"]
    assert list(guest["details"]["fields"]) == ["guests.1.invite_type"]
    assert not Invite.objects.exists()


def test_a_type_of_another_group_is_404(
    api: ApiClient, assigned_portal: Portal, event: Event, org: Organization
) -> None:
    give_credits(org, invite=10)
    add_type(make_group(organization=org, event=event, name="Sponsors"), "gold", "Gold")

    body = assert_error(
        api.post(portal_invites_path(assigned_portal), {"invite_type": "gold", "blank": 1}),
        404,
        "invite_type_not_found",
    )

    assert body["details"]["invite_type"] == "gold"
    assert not Invite.objects.exists()


def test_the_organizers_invites_take_an_event_type_by_code_or_id(
    api: ApiClient, event: Event, group: PortalGroup, org: Organization
) -> None:
    give_credits(org, invite=10)
    vip = add_type(group, "vip", "VIP", golden=True)

    by_code = api.post(f"/events/{event.public_id}/invites", {"invite_type": "vip", "blank": 1})
    by_id = api.post(
        f"/events/{event.public_id}/invites",
        {"guests": [{"name": "Ada", "invite_type": vip.public_id, "approval": True}]},
    )
    untyped = api.post(f"/events/{event.public_id}/invites", {"guests": [{"name": "Bea"}]})

    assert by_code.json()["invites"][0]["invite_type"] == "vip"
    assert by_code.json()["invites"][0]["golden"] is True
    ada = by_id.json()["invites"][0]
    assert (ada["invite_type"], ada["needs_approval"]) == ("vip", True)
    assert untyped.json()["invites"][0]["invite_type"] is None
    assert_error(
        api.post(f"/events/{event.public_id}/invites", {"invite_type": "nope", "blank": 1}),
        422,
        "unknown_invite_type",
    )


def test_get_shows_the_chosen_entry_window_and_pending(
    api: ApiClient, assigned_portal: Portal, event: Event, org: Organization
) -> None:
    from events.models import EntryWindow

    give_credits(org, invite=5)
    invite = generate_invites(assigned_portal, [GuestInput(name="Ada")], method="api").invites.get()
    window = EntryWindow.objects.create(
        organization=org,
        event=event,
        label="Thu 11:00",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    Invite.objects.filter(pk=invite.pk).update(entry_window=window, status=Invite.Status.PENDING)

    body = api.get(f"/invites/{invite.public_id}").json()

    assert (body["entry_window"], body["status"]) == (window.public_id, "pending")


def test_an_outsider_cannot_generate_with_a_type(
    outsider_api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=5)

    assert_error(
        outsider_api.post(
            portal_invites_path(assigned_portal), {"invite_type": "standard", "blank": 1}
        ),
        404,
        "not_found",
    )
    assert not Invite.objects.exists()
