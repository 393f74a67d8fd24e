"""The send pages: organizer's guest list and portal owner's dashboard."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from deliveries.models import Delivery
from invites.models import Invite
from invites.sending import MAX_SENDS_PER_INVITE, queue_invite_emails, with_delivery_status
from portals.models import Portal
from portals.owner_sessions import SESSION_KEY
from tests.conftest import set_allocation
from tests.invites.helpers import asks_to_sign_in

pytestmark = pytest.mark.django_db

DEFAULTS = {"subject": "You're invited to {{ event }}", "message": "Hello {{ name }}"}


def organizer_url(name: str, event: Any) -> str:
    return reverse(f"invites:{name}", args=[event.organization.slug, event.slug])


def owner_client(portal: Portal) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = {portal.public_id: portal.owner_email.lower()}
    session.save()
    return client


def post_send(client: Client, url: str, capture: Any, **data: Any) -> Any:
    with capture(execute=True):
        return client.post(url, {"step": "send", **DEFAULTS, **data})


# --- The organizer --------------------------------------------------------------------------


def test_the_organizer_writes_previews_and_sends_one_invite(
    alice_client: Client, event: Any, make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invite = make_invites(1, names=["Ada Lovelace"], emails=["ada@example.com"])[0]
    url = organizer_url("send", event)

    page = alice_client.get(url, {"invite": invite.public_id})
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 guest</strong> will receive this email" in html
    assert "You&#x27;re invited to {{ event }}" in html  # the default subject, to edit
    assert "{{ portal }}" in html  # the placeholders are explained

    preview = alice_client.post(url, {"invite": invite.public_id, "step": "preview", **DEFAULTS})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "You&#x27;re invited to Spring Fair" in html
    # The whole email shows in a sandboxed frame of its own URL.
    frame_url = html.split('class="email-preview"', 1)[1].split('src="', 1)[1].split('"', 1)[0]
    frame = alice_client.get(frame_url).content.decode()
    assert "Hello Ada Lovelace" in frame and frame.rstrip().endswith("</html>")
    assert "Send 1 email" in html
    assert mail.outbox == []

    sent = post_send(alice_client, url, django_capture_on_commit_callbacks, invite=invite.public_id)

    assert sent.status_code == 302
    assert sent.url == reverse("invites:guest_list", args=[event.organization.slug, event.slug])
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert mail.outbox[0].subject == "You're invited to Spring Fair"
    assert Delivery.objects.get().queued_by == "alice@example.com"


def test_all_unsent_emails_only_invites_never_emailed_and_shows_progress(
    bob_client: Client, event: Any, make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    emailed, fresh, _no_email, _other_fresh = make_invites(
        4, emails=["a@example.com", "b@example.com", "", "d@example.com"]
    )
    post_send(
        bob_client,
        organizer_url("send", event),
        django_capture_on_commit_callbacks,
        invite=emailed.public_id,
    )
    mail.outbox.clear()
    url = organizer_url("send", event)

    page = bob_client.get(url, {"scope": "unsent"})
    assert "2 guests</strong> will receive this email" in page.content.decode()

    sent = post_send(bob_client, url, django_capture_on_commit_callbacks, scope="unsent")

    assert sorted(m.to[0] for m in mail.outbox) == ["b@example.com", "d@example.com"]
    send_id = Delivery.objects.get(invite=fresh).send_id
    progress_url = organizer_url("send_progress", event)
    assert sent.url == f"{progress_url}?send={send_id}"
    followed = bob_client.get(sent.url)
    assert followed.status_code == 200
    assert "2 of 2 sent" in followed.content.decode()
    assert "2 emails on the way." in followed.content.decode()


def test_progress_polls_while_emails_wait_and_stops_when_done(
    alice_client: Client, event: Any, make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invites = make_invites(3)
    url = organizer_url("send", event)
    with django_capture_on_commit_callbacks(execute=False):
        alice_client.post(url, {"scope": "unsent", "step": "send", **DEFAULTS})
    progress_url = organizer_url("send_progress", event)
    htmx: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}

    waiting = alice_client.get(progress_url, **htmx).content.decode()
    assert 'hx-trigger="every 2s"' in waiting
    assert "0 of 3 sent" in waiting and "3 waiting" in waiting
    assert "You can leave this page" in waiting

    Delivery.objects.filter(invite=invites[0]).update(status="sent", sent_at=invites[0].created_at)
    Delivery.objects.filter(invite__in=invites[1:]).update(status="failed", last_error="550")
    send_id = Delivery.objects.first().send_id

    done = alice_client.get(progress_url, {"send": send_id}, **htmx).content.decode()
    assert "hx-trigger" not in done
    assert "1 of 3 sent" in done and "2 failed" in done
    # A finished send no longer says the emails keep going.
    assert "Emails sent" in done and "You can leave this page" not in done
    finished_page = alice_client.get(progress_url, {"send": send_id}).content.decode()
    assert "Email progress" in finished_page and "keep going" not in finished_page
    # With nothing left to send, the list's progress area empties itself.
    assert alice_client.get(progress_url, **htmx).content.decode().strip() == ""


def test_the_sixth_send_is_refused_on_the_page(
    alice_client: Client, event: Any, make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invite = make_invites(1)[0]
    url = organizer_url("send", event)
    for _ in range(MAX_SENDS_PER_INVITE):
        post_send(alice_client, url, django_capture_on_commit_callbacks, invite=invite.public_id)
    assert len(mail.outbox) == MAX_SENDS_PER_INVITE

    page = alice_client.get(url, {"invite": invite.public_id})
    assert page.status_code == 422
    assert "already been emailed 5 times" in page.content.decode()
    refused = post_send(
        alice_client, url, django_capture_on_commit_callbacks, invite=invite.public_id
    )
    assert refused.status_code == 422
    assert len(mail.outbox) == MAX_SENDS_PER_INVITE


def test_a_bad_placeholder_or_empty_subject_is_explained_next_to_the_field(
    alice_client: Client, event: Any, make_invites: Any
) -> None:
    invite = make_invites(1)[0]
    response = alice_client.post(
        organizer_url("send", event),
        {
            "invite": invite.public_id,
            "step": "preview",
            "subject": "\r\n",
            "message": "Hi {{ guest_name }}",
        },
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors["subject"] == ["This field is required."]
    assert form.errors["message"] == [
        "Unknown placeholder {{ guest_name }}. Use {{ name }}, {{ event }}, {{ portal }}."
    ]
    assert not Delivery.objects.exists()


def test_a_subject_with_line_breaks_is_sent_on_one_line(
    alice_client: Client, event: Any, make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invite = make_invites(1)[0]
    post_send(
        alice_client,
        organizer_url("send", event),
        django_capture_on_commit_callbacks,
        invite=invite.public_id,
        subject="Hi\r\nBcc: x@evil.example",
    )
    email = mail.outbox[0]
    assert email.subject == "Hi Bcc: x@evil.example"
    assert email.message().get_all("Bcc") is None


def test_nothing_selected_goes_back_with_a_hint(alice_client: Client, event: Any) -> None:
    response = alice_client.post(organizer_url("send", event), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "invites:guest_list", args=[event.organization.slug, event.slug]
    )
    assert "Select the invites you want to email first." in response.content.decode()


def test_an_outsider_gets_404_on_every_send_page(
    charlie_client: Client,
    alice_client: Client,
    event: Any,
    make_invites: Any,
    other_portal: Portal,
) -> None:
    invite = make_invites(1)[0]
    for name in ("send", "send_progress"):
        assert (
            charlie_client.get(organizer_url(name, event), {"invite": invite.public_id}).status_code
            == 404
        )
    # Charlie's own event page cannot reach alice's invite either.
    charlie_url = reverse(
        "invites:send",
        args=[other_portal.organization.slug, other_portal.group.event.slug],
    )
    assert charlie_client.get(charlie_url, {"invite": invite.public_id}).status_code == 404
    assert (
        charlie_client.post(
            charlie_url, {"invite": invite.public_id, "step": "send", **DEFAULTS}
        ).status_code
        == 404
    )
    assert (
        alice_client.get(organizer_url("send_progress", event), {"send": "not-a-send"}).status_code
        == 404
    )
    assert not Delivery.objects.exists()


def test_the_organizer_cannot_email_a_portals_private_invite(
    alice_client: Client, event: Any, make_invites: Any, portal: Portal
) -> None:
    private = make_invites(1, portal=portal)[0]
    response = alice_client.get(organizer_url("send", event), {"invite": private.public_id})
    assert response.status_code == 404


def test_the_send_page_query_count_does_not_grow_with_the_selection(
    alice_client: Client, event: Any, make_invites: Any, django_assert_max_num_queries: Any
) -> None:
    invites = make_invites(60)
    url = organizer_url("send", event)
    with django_assert_max_num_queries(12):
        response = alice_client.post(url, {"invite": [i.public_id for i in invites]})
    assert "60 guests</strong> will receive this email" in response.content.decode()
    # One more for the preview: the brand its email renders under (events/brand.py).
    with django_assert_max_num_queries(13):
        alice_client.post(
            url, {"invite": [i.public_id for i in invites], "step": "preview", **DEFAULTS}
        )


# --- The portal owner -----------------------------------------------------------------------


@pytest.fixture
def owner(portal_invite: Invite) -> Client:
    assert portal_invite.portal is not None
    return owner_client(portal_invite.portal)


def test_the_portal_owner_sends_from_their_dashboard(
    owner: Client, portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    portal = portal_invite.portal
    url = reverse("owner:send", args=[portal.public_id])

    page = owner.get(url, {"invite": portal_invite.public_id})
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    preview = owner.post(url, {"invite": portal_invite.public_id, "step": "preview", **DEFAULTS})
    assert "Galerie Nord" in preview.content.decode()

    sent = post_send(owner, url, django_capture_on_commit_callbacks, invite=portal_invite.public_id)

    assert sent.url == reverse("owner:dashboard", args=[portal.public_id])
    assert mail.outbox[0].to == ["ada@example.com"]
    assert mail.outbox[0].reply_to == ["owner@galerie-nord.example"]
    assert Delivery.objects.get().queued_by == "owner@galerie-nord.example"


def test_the_owner_pages_ask_to_sign_in_without_the_owners_session(
    client: Client, portal_invite: Invite, make_invites: Any
) -> None:
    portal = portal_invite.portal
    for name in ("send", "send_progress"):
        url = reverse(f"owner:{name}", args=[portal.public_id])
        assert asks_to_sign_in(client.get(url, {"invite": portal_invite.public_id}))


def test_an_owner_cannot_email_another_portals_invite(
    owner: Client, portal_invite: Invite, make_invites: Any
) -> None:
    organizers_own = make_invites(1)[0]
    url = reverse("owner:send", args=[portal_invite.portal.public_id])
    assert owner.get(url, {"invite": organizers_own.public_id}).status_code == 404


# --- The partial other pages include --------------------------------------------------------


def test_the_invite_partial_shows_state_and_sends_left(
    rf: Any, event: Any, make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sent, bounced, never, no_email = make_invites(
        4, emails=["a@example.com", "b@example.com", "c@example.com", ""]
    )

    with django_capture_on_commit_callbacks(execute=True):
        queue_invite_emails([sent, bounced], subject="Hi", message="")
    Delivery.objects.filter(invite=bounced).update(status="bounced", last_error="Mailbox full")
    rows = {i.pk: i for i in with_delivery_status(Invite.objects.all())}

    def render(invite: Invite) -> str:
        return render_to_string(
            "invites/send/_invite_delivery.html",
            {"invite": rows[invite.pk], "current_organization": event.organization, "event": event},
        )

    assert 'badge sent">Sent' in render(sent) and "4 sends left" in render(sent)
    assert "Remind" in render(sent)
    assert "Bounced" in render(bounced) and "Mailbox full" in render(bounced)
    assert "Not emailed" in render(never) and ">Email<" in render(never)
    assert f'value="{never.public_id}" form="send-invites"' in render(never)
    assert render(no_email).strip() == ""


def test_the_invite_partial_still_offers_sending_on_a_list_not_annotated(
    event: Any, make_invites: Any
) -> None:
    invite = make_invites(1)[0]
    html = render_to_string(
        "invites/send/_invite_delivery.html",
        {"invite": invite, "current_organization": event.organization, "event": event},
    )
    assert "sends left" not in html and "Not emailed" not in html
    assert f"?invite={invite.public_id}" in html and 'form="send-invites"' in html


# --- On the pages that list invites ---------------------------------------------------------


def test_the_guest_list_offers_emailing_and_follows_a_send(
    alice_client: Client, event: Any, make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invite = make_invites(1)[0]
    page = alice_client.get(
        reverse("invites:guest_list", args=[event.organization.slug, event.slug])
    ).content.decode()
    send_url = organizer_url("send", event)
    assert f'action="{send_url}" id="send-invites"' in page
    assert f'hx-get="{organizer_url("send_progress", event)}" hx-trigger="load"' in page
    assert f'href="{send_url}?invite={invite.public_id}"' in page
    assert f'value="{invite.public_id}" form="send-invites"' in page


def test_the_owner_dashboard_offers_emailing(owner: Client, portal_invite: Invite) -> None:
    portal = portal_invite.portal
    page = owner.get(reverse("owner:dashboard", args=[portal.public_id])).content.decode()
    send_url = reverse("owner:send", args=[portal.public_id])
    assert f'action="{send_url}" id="send-invites"' in page
    assert f'href="{send_url}?invite={portal_invite.public_id}"' in page


def email_some(invites: list[Invite], capture: Any) -> None:

    with capture(execute=True):
        queue_invite_emails(invites, subject="Hi", message="")


def test_the_guest_list_shows_each_invites_email_state_in_a_fixed_number_of_queries(
    alice_client: Client,
    event: Any,
    make_invites: Any,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    url = reverse("invites:guest_list", args=[event.organization.slug, event.slug])
    emailed, _never = make_invites(2)
    email_some([emailed], django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(40) as few:
        page = alice_client.get(url).content.decode()
    assert 'badge sent">Sent</span>' in page and "4 sends left" in page
    assert "Not emailed" in page and "5 sends left" in page

    more = make_invites(30, emails=[f"more{n}@example.com" for n in range(30)])
    email_some(more[:15], django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = alice_client.get(url).content.decode()
    assert page.count("4 sends left") == 16


def test_the_owner_dashboard_shows_each_invites_email_state_in_a_fixed_number_of_queries(
    owner: Client,
    portal_invite: Invite,
    make_invites: Any,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    portal = portal_invite.portal
    url = reverse("owner:dashboard", args=[portal.public_id])
    never = make_invites(1, portal=portal, emails=["never@example.com"])[0]
    email_some([portal_invite], django_capture_on_commit_callbacks)
    Delivery.objects.filter(invite=portal_invite).update(
        status=Delivery.Status.BOUNCED, last_error="Mailbox full"
    )
    with django_assert_max_num_queries(40) as few:
        page = owner.get(url).content.decode()
    assert 'badge bounced">Bounced</span>' in page and "Mailbox full" in page
    assert "4 sends left" in page
    assert "Not emailed" in page and f"?invite={never.public_id}" in page

    assert portal is not None
    set_allocation(portal, 100)
    more = make_invites(30, portal=portal, emails=[f"more{n}@example.com" for n in range(30)])
    email_some(more[:15], django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = owner.get(url).content.decode()
    assert page.count("4 sends left") == 16
