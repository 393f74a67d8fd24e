"""door/api.py: checking in, undoing and counting through the API; check-in-only keys;
and the invites API's door parts (an answer on the guest's behalf, `check_in_code`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from door.api import check_in_pk, check_in_public_id
from door.checkins import check_in
from door.models import CheckIn, CheckInPass
from door.walk_ins import add_walk_in
from events.models import Event
from invites.models import Invite
from organizations.api_key_services import create_api_key
from tests.api.conftest import ApiClient, assert_error
from tests.door.helpers import accepted_guest, window_open_now
from tests.invites.windows import add_type, add_window, invites_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(org, alice):
    return ApiClient(create_api_key(org, name="Door", created_by=alice).secret)


@pytest.fixture
def door_key(org, alice):
    """A key limited to check-in, as a door device holds it."""
    return create_api_key(org, name="Scanner 1", created_by=alice, check_in_only=True)


@pytest.fixture
def door_api(door_key):
    return ApiClient(door_key.secret)


@pytest.fixture
def outsider_api(other_org, charlie):
    return ApiClient(create_api_key(other_org, name="Charlie", created_by=charlie).secret)


def scan(client, event, code, **body):
    return client.post(f"/events/{event.public_id}/check-ins", {"code": code, **body})


# --- Checking in --------------------------------------------------------------------------------


def test_an_accepted_guest_is_checked_in_with_their_details(api, event, portal):
    window = window_open_now(event)
    invite, code = accepted_guest(event, plus_ones=2, window=window, name="Ada", portal=portal)

    response = scan(api, event, code, device="Gate phone", gate="North")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "checked_in"
    [row] = body["check_ins"]
    assert row["person"] == 0
    assert body["guest"] == {
        "invite_id": invite.public_id,
        "name": "Ada",
        "status": "accepted",
        "portal_id": portal.public_id,
        "portal": "Galerie Nord",
        "invite_type": None,
        "entry_window": {"id": window.public_id, "label": "Now"},
        "walk_in": False,
        "party": 3,
        "people_in": [0],
    }
    [stored] = CheckIn.objects.filter(invite=invite)
    assert check_in_public_id(stored.pk) == row["id"]
    assert (stored.device, stored.gate) == ("Gate phone", "North")


def test_several_people_of_a_party_go_in_with_one_scan(api, event):
    _invite, code = accepted_guest(event, plus_ones=2)

    first = scan(api, event, code, people=2).json()
    rest = scan(api, event, code.lower(), people=5).json()

    assert [row["person"] for row in first["check_ins"]] == [0, 1]
    assert [row["person"] for row in rest["check_ins"]] == [2]
    assert rest["guest"]["people_in"] == [0, 1, 2]


def test_a_second_scan_says_already_checked_in_with_when_who_and_which_device(api, event, door_key):
    invite, code = accepted_guest(event)
    scan(api, event, code, device="Phone A")

    again = scan(ApiClient(door_key.secret), event, code)

    assert again.status_code == 200
    body = again.json()
    assert body["status"] == "already_checked_in"
    assert body["last"]["device"] == "Phone A"
    assert body["last"]["by"] == "alice@example.com"
    assert body["last"]["at"]
    assert CheckIn.objects.filter(invite=invite).count() == 1


def test_the_device_defaults_to_the_key(api, event, door_key, door_api):
    invite, code = accepted_guest(event)

    scan(door_api, event, code)

    assert CheckIn.objects.get(invite=invite).device == f"API key {door_key.api_key.prefix}"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (Invite.Status.PENDING, "pending"),
        (Invite.Status.DECLINED, "not_accepted"),
        (Invite.Status.OPENED, "not_accepted"),
        (Invite.Status.REVOKED, "revoked"),
    ],
)
def test_a_guest_who_may_not_come_in_is_refused_with_the_reason(api, event, status, code):
    invite, pass_code = accepted_guest(event)
    Invite.objects.filter(pk=invite.pk).update(status=status)

    response = scan(api, event, pass_code)

    body = assert_error(response, 409, code)
    assert body["details"]["guest"]["invite_id"] == invite.public_id
    assert not CheckIn.objects.exists()


def test_a_guest_outside_their_window_is_refused_and_keys_cannot_override(api, event):
    later = add_window(event, "Opening night", hour=18)
    _invite, code = accepted_guest(event, window=later)

    response = scan(api, event, code, override=True, supervisor=True)

    body = assert_error(response, 409, "wrong_window")
    assert body["details"]["guest"]["entry_window"]["label"] == "Opening night"
    assert not CheckIn.objects.exists()


def test_a_code_of_another_event_is_wrong_event(api, event, org):
    other = Event.objects.create(
        organization=org,
        slug="autumn-fair",
        name="Autumn Fair",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone="Europe/Zurich",
    )
    _invite, code = accepted_guest(other)

    assert_error(scan(api, event, code), 409, "wrong_event")


def test_an_unknown_code_is_404_unknown_code(api, event):
    assert_error(scan(api, event, "NOPE-NOPE-NOPE"), 404, "unknown_code")


def test_bad_input_is_a_field_error(api, event):
    _invite, code = accepted_guest(event)

    for body in ({"code": code, "people": 0}, {"code": ""}, {"code": code, "people": "2"}):
        response = api.post(f"/events/{event.public_id}/check-ins", body)
        assert_error(response, 422, "invalid")
    assert not CheckIn.objects.exists()


def test_charlies_key_gets_404_for_alices_event_and_codes(
    outsider_api, event, other_portal, charlie
):
    _invite, code = accepted_guest(event)

    assert_error(scan(outsider_api, event, code), 404, "not_found")
    # Alice's code at Charlie's own event is unknown: nothing leaks.
    assert_error(scan(outsider_api, other_portal.group.event, code), 404, "unknown_code")
    assert_error(outsider_api.get(f"/events/{event.public_id}/attendance"), 404, "not_found")
    assert not CheckIn.objects.exists()


# --- Undo -----------------------------------------------------------------------------------------


def test_undo_lets_the_person_be_checked_in_again(api, event):
    invite, code = accepted_guest(event)
    [row] = scan(api, event, code).json()["check_ins"]

    undone = api.delete(f"/check-ins/{row['id']}")

    assert undone.status_code == 204
    assert CheckIn.objects.filter(invite=invite, kind=CheckIn.Kind.UNDO).count() == 1
    assert scan(api, event, code).status_code == 201
    assert_error(api.delete(f"/check-ins/{row['id']}"), 409, "nothing_to_undo")


def test_undo_of_another_organizations_or_an_unknown_check_in_is_404(api, outsider_api, event):
    _invite, code = accepted_guest(event)
    [row] = scan(api, event, code).json()["check_ins"]

    assert_error(outsider_api.delete(f"/check-ins/{row['id']}"), 404, "not_found")
    assert_error(api.delete("/check-ins/0000000000000"), 404, "not_found")
    assert_error(api.delete("/check-ins/zzzzzzzzzzzzz"), 404, "not_found")
    assert_error(api.delete("/check-ins/abcdefg"), 404, "not_found")
    assert not CheckIn.objects.filter(kind=CheckIn.Kind.UNDO).exists()


def test_an_undo_row_cannot_itself_be_undone(api, event):
    _invite, code = accepted_guest(event)
    [row] = scan(api, event, code).json()["check_ins"]
    api.delete(f"/check-ins/{row['id']}")
    reversal = CheckIn.objects.get(kind=CheckIn.Kind.UNDO)

    assert_error(api.delete(f"/check-ins/{check_in_public_id(reversal.pk)}"), 404, "not_found")


def test_check_in_ids_are_opaque_and_read_back():
    ids = [check_in_public_id(pk) for pk in (1, 2, 3, 2**40)]

    assert len(set(ids)) == 4
    assert all(len(value) == 13 and value.isalnum() and value.islower() for value in ids)
    assert [check_in_pk(value) for value in ids] == [1, 2, 3, 2**40]
    # Neighbours do not look like neighbours.
    assert ids[0][:6] != ids[1][:6]


# --- Attendance -------------------------------------------------------------------------------


def test_attendance_counts_people_in_against_accepted_and_capacity(api, event, group, alice):
    event.capacity = 50
    event.save()
    window = window_open_now(event, "Evening", capacity=20)
    vip = add_type(group, "vip", name="VIP", plus_ones_allowed=2)
    _vip_invite, vip_code = accepted_guest(event, plus_ones=2, window=window, invite_type=vip)
    accepted_guest(event, window=window, email="later@example.com")
    scan(api, event, vip_code, people=2)
    add_walk_in(event, name="Wanda", party=2, staff=alice, window=window)

    response = api.get(f"/events/{event.public_id}/attendance")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "checked_in": 4,
        "accepted": 6,
        "walk_ins": 2,
        "capacity": 50,
        "windows": [
            {
                "id": window.public_id,
                "label": "Evening",
                "checked_in": 4,
                "accepted": 6,
                "capacity": 20,
            }
        ],
        "types": [{"id": vip.public_id, "name": "VIP", "checked_in": 2, "accepted": 3}],
    }


def test_an_undone_check_in_leaves_the_counts(api, event):
    _invite, code = accepted_guest(event)
    [row] = scan(api, event, code).json()["check_ins"]
    api.delete(f"/check-ins/{row['id']}")

    assert api.get(f"/events/{event.public_id}/attendance").json()["checked_in"] == 0


# --- Keys limited to check-in -----------------------------------------------------------------


def test_a_check_in_only_key_can_scan_undo_and_count(door_api, event):
    _invite, code = accepted_guest(event)

    created = scan(door_api, event, code)
    [row] = created.json()["check_ins"]

    assert created.status_code == 201
    assert door_api.get(f"/events/{event.public_id}/attendance").status_code == 200
    assert door_api.delete(f"/check-ins/{row['id']}").status_code == 204


def test_a_check_in_only_key_is_refused_everywhere_else(door_api, event, portal):
    invite, _code = accepted_guest(event)
    before = Invite.objects.values_list("status", flat=True).get(pk=invite.pk)

    for response in (
        door_api.get("/credits"),
        door_api.get("/events"),
        door_api.get(f"/events/{event.public_id}"),
        door_api.get(f"/events/{event.public_id}/invites"),
        door_api.get(f"/invites/{invite.public_id}"),
        door_api.post(f"/invites/{invite.public_id}/response", {"status": "declined"}),
        door_api.post(f"/events/{event.public_id}/invites", {"blank": 1}),
        door_api.post(f"/portals/{portal.public_id}/invites", {"blank": 1}),
    ):
        body = assert_error(response, 403, "key_scope")
        assert "check-in" in body["message"]
    assert Invite.objects.values_list("status", flat=True).get(pk=invite.pk) == before
    assert Invite.objects.count() == 1


def test_the_api_docs_say_keys_are_never_supervisors(api):
    schema = api.client.get("/api/v1/openapi.json").json()

    description = " ".join(schema["info"]["description"].split())
    assert "No API key is a door supervisor" in description
    assert "403 `key_scope`" in description
    operation = schema["paths"]["/api/v1/events/{event_id}/check-ins"]["post"]
    assert {"200", "201", "404", "409"} <= set(operation["responses"])
    for path in schema["paths"].values():
        for method in path.values():
            assert "403" in method["responses"]


# --- Answering on the guest's behalf (invites/api.py) -----------------------------------------


@pytest.fixture
def answer_for_guest(api, django_capture_on_commit_callbacks):
    def post(invite, **body):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(f"/invites/{invite.public_id}/response", body)

    return post


def test_an_answer_on_the_guests_behalf_gets_them_the_confirmation(api, answer_for_guest, event):
    window = add_window(event, "Preview", hour=11)
    add_window(event, "Evening", hour=18)
    [invite] = invites_of(event, plus_ones_allowed=2, guest_email="phone@example.com")

    response = answer_for_guest(
        invite, status="accepted", plus_ones=1, entry_window=window.public_id
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted" and body["plus_ones"] == 1
    assert body["entry_window"] == window.public_id
    check_in_pass = CheckInPass.objects.get(invite=invite)
    # (The pass is made once the answer commits: here, after the response.)
    shown = api.get(f"/invites/{invite.public_id}").json()
    assert shown["check_in_code"] == check_in_pass.code
    [message] = mail.outbox
    assert message.to == ["phone@example.com"]
    assert check_in_pass.display_code in message.body


def test_declining_on_the_guests_behalf_records_it(answer_for_guest, event):
    [invite] = invites_of(event)

    body = answer_for_guest(invite, status="declined").json()

    assert body["status"] == "declined" and body["check_in_code"] is None
    invite.refresh_from_db()
    assert invite.status == Invite.Status.DECLINED


def test_the_guest_pages_rules_refuse_answers_with_their_codes(answer_for_guest, event):
    full = add_window(event, "Preview", hour=11, capacity=1)
    add_window(event, "Evening", hour=18)
    accepted_guest(event, window=full, email="first@example.com")
    [invite] = invites_of(event, plus_ones_allowed=1)

    assert_error(
        answer_for_guest(invite, status="accepted", plus_ones=2, entry_window=full.public_id),
        409,
        "plus_ones_exceeded",
    )
    assert_error(
        answer_for_guest(invite, status="accepted", entry_window=full.public_id),
        409,
        "window_full",
    )
    assert_error(answer_for_guest(invite, status="accepted"), 409, "window_required")
    body = assert_error(
        answer_for_guest(invite, status="accepted", entry_window="nosuchwindow"), 422, "invalid"
    )
    assert list(body["details"]["fields"]) == ["entry_window"]
    assert_error(answer_for_guest(invite, status="maybe"), 422, "invalid")
    Event.objects.filter(pk=event.pk).update(rsvp_open=False)
    assert_error(answer_for_guest(invite, status="declined"), 409, "rsvp_closed")
    invite.refresh_from_db()
    assert invite.status == Invite.Status.CREATED


def test_a_blank_link_needs_the_guests_details(answer_for_guest, event):
    [blank] = invites_of(event, guest_name="", guest_email="")

    assert_error(answer_for_guest(blank, status="accepted"), 409, "guest_details_required")
    answered = answer_for_guest(
        blank, status="accepted", name="Phone Caller", email="caller@example.com"
    ).json()

    assert answered["guest_name"] == "Phone Caller" and answered["status"] == "accepted"


def test_answering_for_charlies_guest_is_404(outsider_api, event):
    [invite] = invites_of(event)

    response = outsider_api.post(f"/invites/{invite.public_id}/response", {"status": "declined"})

    assert_error(response, 404, "not_found")
    invite.refresh_from_db()
    assert invite.status == Invite.Status.CREATED


def test_the_answer_is_logged_with_the_key(answer_for_guest, event, caplog):
    [invite] = invites_of(event)

    with caplog.at_level("INFO", logger="invites.api"):
        answer_for_guest(invite, status="declined")

    assert any(invite.public_id in record.getMessage() for record in caplog.records)


# --- check_in_code on the API's invites ---------------------------------------------------------


def test_an_accepted_invite_shows_its_check_in_code_and_others_none(api, event):
    accepted, code = accepted_guest(event)
    [waiting] = invites_of(event)
    pending, _ = accepted_guest(event, email="pending@example.com")
    Invite.objects.filter(pk=pending.pk).update(status=Invite.Status.PENDING)

    assert api.get(f"/invites/{accepted.public_id}").json()["check_in_code"] == code
    assert api.get(f"/invites/{waiting.public_id}").json()["check_in_code"] is None
    assert api.get(f"/invites/{pending.public_id}").json()["check_in_code"] is None
    listed = {
        item["id"]: item["check_in_code"]
        for item in api.get(f"/events/{event.public_id}/invites").json()["items"]
    }
    assert listed == {accepted.public_id: code, waiting.public_id: None, pending.public_id: None}


def test_listing_invites_reads_their_codes_in_one_query(api, event, django_assert_max_num_queries):
    for n in range(2):
        accepted_guest(event, email=f"guest{n}@example.com")
    path = f"/events/{event.public_id}/invites"
    api.get(path)
    with django_assert_max_num_queries(12) as few:
        api.get(path)
    for n in range(2, 12):
        accepted_guest(event, email=f"guest{n}@example.com")

    with django_assert_max_num_queries(len(few.captured_queries)):
        items = api.get(path).json()["items"]

    assert len(items) == 12 and all(item["check_in_code"] for item in items)


def test_a_replaced_code_is_the_one_shown(api, event):
    invite, old = accepted_guest(event)
    CheckInPass.objects.filter(invite=invite).update(code="NEWCODE234567ABCDEFG")

    assert api.get(f"/invites/{invite.public_id}").json()["check_in_code"] == (
        "NEWCODE234567ABCDEFG"
    )
    assert_error(scan(api, event, old), 404, "unknown_code")


def test_scanning_at_the_last_moment_of_the_window_is_still_in(api, event):
    window = window_open_now(event)
    window.ends_at = timezone.now() + timedelta(minutes=1)
    window.save()
    _invite, code = accepted_guest(event, window=window)

    assert scan(api, event, code).status_code == 201


def test_walk_ins_show_as_walk_ins(api, event, alice):
    result = add_walk_in(event, name="Wanda", party=1, staff=alice)
    code = CheckInPass.objects.get(invite=result.invite).code

    body = scan(api, event, code).json()

    assert body["status"] == "already_checked_in" and body["guest"]["walk_in"] is True


def test_scans_of_the_same_code_through_the_service_and_api_agree(api, event, alice):
    _invite, code = accepted_guest(event, plus_ones=1)
    check_in(event, code, staff=alice, device="door page")

    body = scan(api, event, code).json()

    assert body["guest"]["people_in"] == [0, 1]
