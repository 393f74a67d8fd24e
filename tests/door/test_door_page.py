"""The door page (door/door_views.py): what staff see after a scan, who may
override, what a portal-limited grant finds, the offline copy and its sync."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from door.checkins import check_in
from door.door_queries import code_hash
from door.models import CheckIn, EventGrant
from events.models import Event
from invites.answers import respond
from invites.models import Invite
from organizations.models import Membership
from tests.conftest import client_for, make_portal, make_user
from tests.door.helpers import accepted_guest, window_open_now
from tests.invites.windows import add_type, add_window, invites_of

pytestmark = pytest.mark.django_db


def door_url(event, name="door"):
    return reverse(f"door:{name}", args=[event.organization.slug, event.slug])


def door_staff(event, email="sam@example.com", *, role="check_in", portal=None):
    """A restricted member with an active grant for `event` (optionally one portal's guests)."""
    user = make_user(email)
    membership = Membership.objects.create(organization=event.organization, user=user, role=role)
    EventGrant.objects.create(
        organization=event.organization,
        event=event,
        membership=membership,
        email=email,
        portal=portal,
        expires_at=timezone.now() + timedelta(days=2),
    )
    return user


def scan(client, event, code="", **data):
    fields = {"code": code, "device": "phone-1", "gate": "Hall 1", **data}
    return client.post(door_url(event, "scan"), fields, HTTP_X_DOOR_PARTIAL="1")


def state_of(response):
    page = response.content.decode()
    return page.split('data-state="', 1)[1].split('"', 1)[0]


# --- The page and the scan outcomes ------------------------------------------------------


def test_the_door_page_opens_for_the_team_and_granted_staff(event, alice_client):
    page = alice_client.get(door_url(event))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Door · Spring Fair" in html
    assert "What this device keeps" in html
    assert 'name="code"' in html
    staff = client_for(door_staff(event))
    assert staff.get(door_url(event)).status_code == 200


def test_another_organization_and_ungranted_staff_get_404_everywhere(event, charlie_client, org):
    other_event = Event.objects.create(
        organization=org,
        slug="no-grant",
        name="No grant",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    staff = client_for(door_staff(event))
    for name in ("door", "search", "counts", "snapshot"):
        assert charlie_client.get(door_url(event, name)).status_code == 404
        assert staff.get(door_url(other_event, name)).status_code == 404
    for name in ("scan", "undo", "walk_in", "sync"):
        assert charlie_client.post(door_url(event, name), {}).status_code == 404
        assert staff.post(door_url(other_event, name), {}).status_code == 404


def test_a_typed_code_in_express_mode_checks_the_guest_in_then_says_already_in(
    event, alice, alice_client
):
    invite, code = accepted_guest(event, name="Ada Lovelace")
    first = scan(alice_client, event, code, express="on")
    assert state_of(first) == "checked_in"
    html = first.content.decode()
    assert "Checked in" in html and "Ada Lovelace" in html and "Undo" in html
    row = CheckIn.objects.get(invite=invite)
    assert (row.device, row.gate, row.staff_id) == ("phone-1", "Hall 1", alice.pk)
    again = scan(alice_client, event, code.lower(), express="on", device="phone-2")
    assert state_of(again) == "already_checked_in"
    assert "Already checked in" in again.content.decode()
    assert "phone-1" in again.content.decode()
    assert CheckIn.objects.filter(invite=invite).count() == 1


def test_without_express_a_scan_shows_the_party_and_staff_tap_who_comes_in(event, alice_client):
    invite, code = accepted_guest(event, plus_ones=2)
    shown = scan(alice_client, event, code)
    assert state_of(shown) == "ready"
    assert not CheckIn.objects.filter(invite=invite).exists()
    html = shown.content.decode()
    assert "Let in Guest" in html and "Let in +1" in html and "Let in +2" in html
    tapped = scan(alice_client, event, invite=invite.public_id, persons="2")
    assert state_of(tapped) == "checked_in"
    assert list(CheckIn.objects.filter(invite=invite).values_list("person", flat=True)) == [2]
    assert "Let in +2" not in tapped.content.decode()


def test_the_page_works_without_script_as_plain_forms(event, alice_client):
    _invite, code = accepted_guest(event)
    response = alice_client.post(door_url(event, "scan"), {"code": code, "express": "on"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'data-state="checked_in"' in html


def test_every_refusal_is_shown_in_words(event, alice_client, group, org):
    [unanswered] = invites_of(event, guest_name="Nobody Yet")
    revoked, revoked_code = accepted_guest(event, name="Rex Revoked", email="rex@example.com")
    Invite.objects.filter(pk=revoked.pk).update(status=Invite.Status.REVOKED)
    later = add_window(event, "Evening", hour=18)
    _wrong_window, wrong_window_code = accepted_guest(
        event, name="Wanda Window", email="wanda@example.com", window=later
    )
    other_event = Event.objects.create(
        organization=org,
        slug="autumn",
        name="Autumn",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    _other, other_code = accepted_guest(other_event, name="Otto Other", email="otto@example.com")
    expectations = {
        revoked_code: ("revoked", "Revoked: do not let in"),
        wrong_window_code: ("wrong_window", "Wrong entry window"),
        other_code: ("wrong_event", "Wrong event"),
        "NOPE-NOPE-NOPE": ("unknown_code", "Unknown code"),
    }
    for code, (state, words) in expectations.items():
        response = scan(alice_client, event, code, express="on")
        assert state_of(response) == state, code
        assert words in response.content.decode()
    not_accepted = scan(alice_client, event, invite=unanswered.public_id)
    assert state_of(not_accepted) == "not_accepted"
    assert "Let in anyway" in not_accepted.content.decode()
    assert "Let in anyway" not in scan(alice_client, event, revoked_code).content.decode()
    assert not CheckIn.objects.exists()


def test_a_pending_guest_can_be_let_in_anyway_by_a_supervisor_only(event, group, alice_client):
    window = window_open_now(event)
    waiting = add_type(group, "guest-list", window, needs_approval=True)
    [pending] = invites_of(event, invite_type=waiting, guest_name="Pat Pending")
    respond(pending, accept=True, window=window)
    pending.refresh_from_db()
    assert pending.status == Invite.Status.PENDING
    staff = client_for(door_staff(event))
    shown = scan(staff, event, invite=pending.public_id)
    assert state_of(shown) == "pending"
    assert "Let in anyway" not in shown.content.decode()
    assert "Ask a supervisor" in shown.content.decode()
    refused = scan(staff, event, invite=pending.public_id, persons="0", override="on")
    assert refused.status_code == 403
    assert not CheckIn.objects.exists()
    let_in = scan(alice_client, event, invite=pending.public_id, persons="0", override="on")
    assert state_of(let_in) == "checked_in"
    row = CheckIn.objects.get(invite=pending)
    assert row.override == CheckIn.Override.NOT_ACCEPTED


def test_a_wrong_window_guest_can_be_let_in_anyway_by_an_event_manager(event, alice_client):
    later = add_window(event, "Evening", hour=18)
    invite, code = accepted_guest(event, window=later)
    manager = client_for(door_staff(event, "erin@example.com", role="event_manager"))
    shown = scan(manager, event, code, express="on")
    assert state_of(shown) == "wrong_window"
    assert "Let in anyway" in shown.content.decode()
    let_in = scan(manager, event, invite=invite.public_id, persons="0", override="on")
    assert state_of(let_in) == "checked_in"
    assert CheckIn.objects.get(invite=invite).override == CheckIn.Override.WRONG_WINDOW


def test_undo_reverses_the_panels_check_in(event, alice_client):
    invite, code = accepted_guest(event)
    scan(alice_client, event, code, express="on")
    undone = alice_client.post(
        door_url(event, "undo"),
        {"invite": invite.public_id, "persons": "0", "device": "phone-1"},
        HTTP_X_DOOR_PARTIAL="1",
    )
    assert state_of(undone) == "undone"
    assert "Check-in undone" in undone.content.decode()
    rows = list(CheckIn.objects.filter(invite=invite).order_by("id"))
    assert [row.delta for row in rows] == [1, -1]
    assert rows[1].reverses_id == rows[0].pk
    assert state_of(scan(alice_client, event, code, express="on")) == "checked_in"


# --- Search --------------------------------------------------------------------------------


def test_search_needs_three_characters_and_finds_name_email_and_label(event, alice_client):
    accepted_guest(event, name="Grace Hopper", email="grace@navy.example", label="Table 7")
    url = door_url(event, "search")
    assert "Grace" not in alice_client.get(url, {"q": "Gr"}).content.decode()
    for query in ("grace", "navy.ex", "table 7"):
        assert "Grace Hopper" in alice_client.get(url, {"q": query}).content.decode(), query
    assert "Grace Hopper" in alice_client.get(door_url(event), {"q": "hopp"}).content.decode()


def test_a_portal_limited_grant_finds_and_scans_only_that_portals_guests(
    event, group, portal, alice_client
):
    other = make_portal(group=group, name="Studio Süd", allocation=5)
    mine, my_code = accepted_guest(event, name="Mina Mine", email="mina@example.com", portal=portal)
    _theirs, their_code = accepted_guest(
        event, name="Mina Theirs", email="theirs@example.com", portal=other
    )
    staff = client_for(door_staff(event, portal=portal))
    found = staff.get(door_url(event, "search"), {"q": "mina"}).content.decode()
    assert "Mina Mine" in found and "Mina Theirs" not in found
    assert state_of(scan(staff, event, their_code, express="on")) == "unknown_code"
    assert state_of(scan(staff, event, my_code, express="on")) == "checked_in"
    other_invite = Invite.objects.get(guest_name="Mina Theirs")
    assert scan(staff, event, invite=other_invite.public_id).status_code == 404
    snapshot = staff.get(door_url(event, "snapshot")).json()
    assert [guest["name"] for guest in snapshot["guests"]] == ["Mina Mine"]
    assert mine.pk


def test_search_query_count_does_not_grow_with_results(
    event, alice_client, django_assert_max_num_queries
):
    url = door_url(event, "search")
    accepted_guest(event, name="Guest 0", email="g0@example.com")
    alice_client.get(url, {"q": "guest"})
    with django_assert_max_num_queries(20) as few:
        alice_client.get(url, {"q": "guest"})
    for n in range(1, 12):
        accepted_guest(event, name=f"Guest {n}", email=f"g{n}@example.com")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = alice_client.get(url, {"q": "guest"})
    assert response.content.decode().count("door-found-name") == 12


def test_the_door_page_query_count_does_not_grow_with_guests(
    event, alice_client, django_assert_max_num_queries
):
    url = door_url(event)
    accepted_guest(event, name="Guest 0", email="g0@example.com")
    alice_client.get(url)
    with django_assert_max_num_queries(30) as few:
        alice_client.get(url)
    # Counted now: the requests below reset Django's query log.
    baseline = len(few.captured_queries)
    for n in range(1, 8):
        _invite, code = accepted_guest(event, name=f"Guest {n}", email=f"g{n}@example.com")
        scan(alice_client, event, code, express="on")
    with django_assert_max_num_queries(baseline):
        alice_client.get(url)


# --- Walk-ins -----------------------------------------------------------------------------


def test_a_walk_in_is_let_in_and_its_errors_are_field_errors(event, alice_client):
    url = door_url(event, "walk_in")
    bad = alice_client.post(
        url, {"name": " ", "email": "not-an-email", "party": "0"}, HTTP_X_DOOR_PARTIAL="1"
    )
    assert bad.status_code == 422
    html = bad.content.decode()
    assert 'id="id_name_error"' in html or "has-error" in html
    bad_email = alice_client.post(url, {"name": "Walter", "email": "nope", "party": "2"})
    assert bad_email.status_code == 422
    assert "Enter a valid email address." in bad_email.content.decode()
    bad_party = alice_client.post(url, {"name": "Walter", "party": "0"})
    assert "A party has between 1 and" in bad_party.content.decode()
    ok = alice_client.post(
        url,
        {"name": "Walter Walk-in", "party": "2", "let_in_by": "Lena", "gate": "North"},
        HTTP_X_DOOR_PARTIAL="1",
    )
    assert state_of(ok) == "checked_in"
    invite = Invite.objects.get(guest_name="Walter Walk-in")
    assert invite.batch.method == "walk_in"
    assert CheckIn.objects.filter(invite=invite).count() == 2


def test_a_full_event_refuses_a_walk_in_clearly(event, alice_client):
    Event.objects.filter(pk=event.pk).update(capacity=1)
    accepted_guest(event)
    response = alice_client.post(door_url(event, "walk_in"), {"name": "Late Larry", "party": "1"})
    assert response.status_code == 422
    assert "the event is full" in response.content.decode()
    assert not Invite.objects.filter(guest_name="Late Larry").exists()


def test_the_walk_in_form_offers_the_events_windows(event, alice_client):
    assert 'name="window"' not in alice_client.get(door_url(event)).content.decode()
    window = window_open_now(event, "Vernissage")
    page = alice_client.get(door_url(event)).content.decode()
    assert 'name="window"' in page and "Vernissage" in page
    alice_client.post(
        door_url(event, "walk_in"), {"name": "Wendy", "party": "1", "window": window.public_id}
    )
    assert Invite.objects.get(guest_name="Wendy").entry_window == window


# --- Live counts ------------------------------------------------------------------------------


def test_the_counts_show_checked_in_against_accepted_on_door_and_event_pages(event, alice_client):
    _invite, code = accepted_guest(event, plus_ones=1)
    accepted_guest(event, name="Second", email="second@example.com")
    scan(alice_client, event, code, express="on")
    counts = alice_client.get(door_url(event, "counts")).content.decode()
    assert 'data-count="checked-in">1<' in counts
    assert 'hx-trigger="every 10s"' in counts
    event_page = alice_client.get(
        reverse("events:detail", args=[event.organization.slug, event.slug])
    ).content.decode()
    assert 'data-count="checked-in">1<' in event_page
    assert door_url(event) in event_page


# --- Offline: the copy and the sync -------------------------------------------------------


def test_the_snapshot_holds_code_hashes_never_codes(event, alice_client):
    window = window_open_now(event, "Preview")
    invite, code = accepted_guest(event, plus_ones=1, window=window, name="Hash Hilda")
    [unanswered] = invites_of(event, guest_name="Not Accepted")
    scan(alice_client, event, code, express="on")
    response = alice_client.get(door_url(event, "snapshot"))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert code not in body and code.lower() not in body
    data = json.loads(body)
    [guest] = data["guests"]
    assert guest == {
        "name": "Hash Hilda",
        "code_sha256": code_hash(code),
        "party": 2,
        "window": "Preview",
        "window_starts_at": window.starts_at.isoformat(),
        "window_ends_at": window.ends_at.isoformat(),
        "people_in": [0],
    }
    assert data["keep_until"] == (event.ends_at + timedelta(days=1)).isoformat()
    assert unanswered.public_id not in body and invite.token not in body


def sync(client, event, items):
    return client.post(
        door_url(event, "sync"), json.dumps({"items": items}), content_type="application/json"
    )


def test_sync_checks_queued_scans_in_once_and_replays_change_nothing(event, alice_client):
    invite, code = accepted_guest(event)
    scanned_at = timezone.now() - timedelta(minutes=5)
    item = {
        "client_ref": "c0ffee-1",
        "code": code,
        "persons": [0],
        "device": "phone-3",
        "gate": "South",
        "scanned_at": scanned_at.isoformat(),
    }
    first = sync(alice_client, event, [item])
    assert first.status_code == 200
    [result] = first.json()["results"]
    assert result["outcome"] == "checked_in" and not result["conflict"]
    again = sync(alice_client, event, [item])
    assert again.json()["results"][0]["outcome"] == "checked_in"
    [row] = CheckIn.objects.filter(invite=invite)
    assert row.scanned_at == scanned_at and row.client_ref == "c0ffee-1"
    assert (row.device, row.gate) == ("phone-3", "South")


def test_sync_reports_a_guest_already_let_in_by_another_device_as_a_conflict(
    event, alice, alice_client
):
    _invite, code = accepted_guest(event)
    check_in(event, code, staff=alice, device="phone-2")
    response = sync(
        alice_client,
        event,
        [{"client_ref": "late-1", "code": code, "persons": [0], "device": "phone-3"}],
    )
    [result] = response.json()["results"]
    assert result["conflict"] is True
    assert result["outcome"] == "already_checked_in"
    assert "Already checked in at" in result["message"] and "on phone-2" in result["message"]


def test_sync_answers_bad_input_with_json_codes_never_500(event, alice_client):
    form = alice_client.post(door_url(event, "sync"), {"items": "x"})
    assert form.status_code == 400 and form.json()["code"] == "invalid_json"
    bad_json = alice_client.post(door_url(event, "sync"), "{", content_type="application/json")
    assert bad_json.status_code == 400 and bad_json.json()["code"] == "invalid_json"
    not_a_list = alice_client.post(
        door_url(event, "sync"), json.dumps({"items": 3}), content_type="application/json"
    )
    assert not_a_list.status_code == 422 and not_a_list.json()["code"] == "invalid_request"
    odd = sync(
        alice_client,
        event,
        [
            "nope",
            {"client_ref": "x", "code": "ABC", "persons": "all"},
            {"client_ref": "y", "code": "ABC", "scanned_at": "yesterday"},
            {"client_ref": "z", "code": "ABCD", "persons": [999]},
        ],
    )
    assert odd.status_code == 200
    outcomes = [result["outcome"] for result in odd.json()["results"]]
    assert outcomes == ["invalid_item", "invalid_item", "invalid_item", "unknown_code"]


def test_the_sync_of_check_in_staff_never_overrides(event, alice_client):
    later = add_window(event, "Evening", hour=18)
    invite, code = accepted_guest(event, window=later)
    staff = client_for(door_staff(event))
    [result] = sync(staff, event, [{"client_ref": "w-1", "code": code, "persons": [0]}]).json()[
        "results"
    ]
    assert result["outcome"] == "wrong_window" and result["conflict"] is True
    assert not CheckIn.objects.filter(invite=invite).exists()


def test_a_revoked_grant_ends_the_session_and_so_the_devices_copy(event):
    user = door_staff(event)
    client = client_for(user)
    assert client.get(door_url(event, "snapshot")).status_code == 200
    EventGrant.objects.filter(membership__user=user).update(revoked_at=timezone.now())
    # No grant left: signed out, sent to sign in (the page's script then deletes its copy).
    ended = client.get(door_url(event, "snapshot"))
    assert ended.status_code == 302 and ended["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert Client().get(door_url(event, "snapshot")).status_code == 302


def test_a_grant_for_another_event_is_a_404_here(event, org):
    other_event = Event.objects.create(
        organization=org,
        slug="autumn",
        name="Autumn",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    user = door_staff(other_event)
    assert client_for(user).get(door_url(event, "snapshot")).status_code == 404


def test_search_finds_only_this_events_guests(event, org, alice_client):
    other_event = Event.objects.create(
        organization=org,
        slug="autumn",
        name="Autumn",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    accepted_guest(event, name="Mara Here", email="here@example.com")
    accepted_guest(other_event, name="Mara Elsewhere", email="elsewhere@example.com")
    found = alice_client.get(door_url(event, "search"), {"q": "mara"}).content.decode()
    assert "Mara Here" in found and "Mara Elsewhere" not in found


def test_the_snapshot_query_count_does_not_grow_with_guests(
    event, alice_client, django_assert_max_num_queries
):
    url = door_url(event, "snapshot")
    accepted_guest(event, name="Guest 0", email="g0@example.com")
    alice_client.get(url)
    with django_assert_max_num_queries(20) as few:
        alice_client.get(url)
    baseline = len(few.captured_queries)
    for n in range(1, 8):
        _invite, code = accepted_guest(event, name=f"Guest {n}", email=f"g{n}@example.com")
        scan(alice_client, event, code, express="on")
    with django_assert_max_num_queries(baseline):
        response = alice_client.get(url)
    assert len(response.json()["guests"]) == 8
