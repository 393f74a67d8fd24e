"""invites/approvals.py and its organizer pages: approving or declining pending answers."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from deliveries.models import Delivery
from deliveries.services.sending import send_queued_delivery
from invites.answers import EventFull, WindowFull, respond
from invites.approvals import NotPending, approve, decline_pending
from invites.models import Invite
from tests.invites.windows import add_type, add_window, invites_of

pytestmark = pytest.mark.django_db

PENDING = Invite.Status.PENDING


@pytest.fixture
def window(event):
    return add_window(event, "VIP Preview", hour=11, capacity=3)


@pytest.fixture
def approval_type(group, window):
    return add_type(group, "guest-list", window, needs_approval=True, plus_ones_allowed=2)


@pytest.fixture
def pending(event, portal, approval_type) -> Invite:
    [invite] = invites_of(event, portal=portal, invite_type=approval_type)
    respond(invite, accept=True, plus_ones=1)
    invite.refresh_from_db()
    assert invite.status == PENDING
    return invite


def fill(event, group, window, places: int) -> None:
    regular = add_type(group, f"regular-{places}", window, plus_ones_allowed=places - 1)
    [other] = invites_of(event, invite_type=regular)
    respond(other, accept=True, plus_ones=places - 1)


def test_approving_accepts_and_emails_the_guest(
    alice, pending, window, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve(pending, actor=alice)
    pending.refresh_from_db()
    assert (pending.status, pending.entry_window, pending.plus_ones) == (
        Invite.Status.ACCEPTED,
        window,
        1,
    )
    # The decision, then the door's confirmation with the check-in code (tests/door/).
    message, confirmation = mail.outbox
    assert confirmation.subject == "Your check-in code for Spring Fair"
    assert message.to == [pending.guest_email]
    assert message.subject == "You're on the list for Spring Fair"
    assert "approved your answer" in message.body
    assert "Your entry: VIP Preview" in message.body
    assert pending.path in message.body
    assert message.reply_to == [alice.email]
    delivery = Delivery.objects.get(template="answer-approved")
    assert delivery.status == Delivery.Status.SENT


def test_declining_declines_and_emails_the_guest(
    alice, pending, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decline_pending(pending, actor=alice)
    pending.refresh_from_db()
    assert (pending.status, pending.entry_window, pending.plus_ones) == (
        Invite.Status.DECLINED,
        None,
        0,
    )
    [message] = mail.outbox
    assert message.subject == "Your answer for Spring Fair"
    assert "could not confirm your place" in message.body


def test_approving_checks_the_window_again_and_names_the_numbers(
    alice, event, group, window, pending, django_capture_on_commit_callbacks
):
    fill(event, group, window, 2)  # 2 of 3 taken; the pending party is 2
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WindowFull) as refused:
        approve(pending, actor=alice)
    assert str(refused.value).startswith(
        "Sorry, VIP Preview has only 1 place left, and you asked for 2."
    )
    pending.refresh_from_db()
    assert pending.status == PENDING
    assert mail.outbox == []


def test_approving_checks_the_event_capacity_too(alice, event, pending):
    event.capacity = 1
    event.save()
    with pytest.raises(EventFull):
        approve(pending, actor=alice)


def test_a_golden_pending_answer_is_approved_over_capacity(alice, event, group, portal, window):
    golden_approval = add_type(
        group, "golden-list", window, needs_approval=True, golden=True, plus_ones_allowed=2
    )
    fill(event, group, window, 3)
    [invite] = invites_of(event, portal=portal, invite_type=golden_approval)
    respond(invite, accept=True, plus_ones=2)
    approve(invite, actor=alice)
    invite.refresh_from_db()
    assert invite.status == Invite.Status.ACCEPTED


def test_only_a_pending_answer_is_decided(alice, pending):
    approve(pending, actor=alice)
    with pytest.raises(NotPending):
        approve(pending, actor=alice)
    with pytest.raises(NotPending):
        decline_pending(pending, actor=alice)


def test_a_decision_undone_before_sending_is_not_emailed(alice, pending):
    approve(pending, actor=alice)  # queued, not sent (no commit in this test)
    respond(pending, accept=False)
    delivery = Delivery.objects.get(template="answer-approved")
    send_queued_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.last_error == "The answer changed before the email was sent."
    assert mail.outbox == []


# --- The organizer's buttons -----------------------------------------------------------------


def action(invite: Invite, verb: str) -> str:
    org_slug = invite.organization.slug
    return reverse(f"invites:{verb}", args=[org_slug, invite.event.slug, invite.public_id])


def test_the_organizer_approves_from_the_guest_list(
    alice_client, pending, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(action(pending, "approve"))
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("invites:guest_list", args=[pending.organization.slug, pending.event.slug])
        + "?status=pending"
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{pending.guest_name} is approved and has been emailed."
    ]
    pending.refresh_from_db()
    assert pending.status == Invite.Status.ACCEPTED
    # The decision and the door's confirmation.
    assert len(mail.outbox) == 2


def test_a_member_declines_and_a_refusal_is_a_message(bob_client, pending):
    # Shared with the organizer: still on their list once declined.
    Invite.objects.filter(pk=pending.pk).update(shared_with_organizer=True)
    response = bob_client.post(action(pending, "decline"))
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Invite.Status.DECLINED
    response = bob_client.post(action(pending, "approve"), follow=True)
    assert "This answer is no longer waiting for approval." in response.content.decode()


def test_a_declined_private_answer_leaves_the_organizers_sight(alice_client, pending):
    alice_client.post(action(pending, "decline"))
    # The portal's guest is private again once declined: no page shows it.
    assert alice_client.post(action(pending, "approve")).status_code == 404


def test_the_buttons_only_post(alice_client, pending):
    assert alice_client.get(action(pending, "approve")).status_code == 405


def test_an_outsider_gets_404_and_changes_nothing(charlie_client, other_org, pending):
    for verb in ("approve", "decline"):
        assert charlie_client.post(action(pending, verb)).status_code == 404
    other_url = reverse(
        "invites:approve", args=[other_org.slug, pending.event.slug, pending.public_id]
    )
    assert charlie_client.post(other_url).status_code == 404
    pending.refresh_from_db()
    assert pending.status == PENDING


def test_an_invite_of_another_event_is_404(alice_client, org, pending):
    from events.models import Event

    other = Event.objects.create(
        organization=org,
        slug="other-fair",
        name="Other",
        starts_at=pending.event.starts_at,
        ends_at=pending.event.ends_at,
    )
    url = reverse("invites:approve", args=[org.slug, other.slug, pending.public_id])
    assert alice_client.post(url).status_code == 404


def test_the_partial_shows_two_labelled_buttons(rf, alice, org, pending):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = alice
    request.organization = org
    html = render_to_string(
        "invites/_approval_actions.html",
        {"invite": pending, "event": pending.event},
        request=request,
    )
    assert action(pending, "approve") in html and action(pending, "decline") in html
    assert 'aria-label="Decide on ' in html
    assert html.count("csrfmiddlewaretoken") == 2


def test_the_guest_list_shows_the_buttons_on_pending_rows(alice_client, pending):
    Invite.objects.filter(pk=pending.pk).update(shared_with_organizer=True)
    org_slug, event_slug = pending.organization.slug, pending.event.slug
    response = alice_client.get(
        reverse("invites:guest_list", args=[org_slug, event_slug]), {"status": "pending"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'action="{action(pending, "approve")}"' in page
    assert f'action="{action(pending, "decline")}"' in page
