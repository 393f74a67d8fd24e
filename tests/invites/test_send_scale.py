"""Emailing every unsent invite of a big portal: the page counts in the database
and shows a handful of recipients, the send queues exactly one email per
sendable invite, and the counts agree with what a send does."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deliveries.channels import is_valid_address
from deliveries.models import Delivery
from invites.models import Invite
from invites.sending import (
    MAX_PLAIN_LENGTH,
    MAX_SENDS_PER_INVITE,
    PLAIN_ADDRESS,
    NoRecipients,
    Skipped,
    plan_invite_emails,
    queue_invite_emails,
    unsent_invites,
)
from portals.models import Portal
from tests.conftest import make_portal
from tests.invites.test_send_pages import DEFAULTS, owner_client

pytestmark = pytest.mark.django_db

# Addresses a send refuses or accepts although they are not of the plain shape.
ODD_INVALID = ["not an address", "a..b@example.com", "x@" + "l" * 64 + ".example", "x@-a.example"]
ODD_VALID = ["muller@bücher.example", '"quoted"@example.com', "o'brien@example.com"]


@pytest.fixture
def owned_portal(portal: Portal) -> Portal:
    portal.status = Portal.Status.ASSIGNED
    portal.owner_email = "owner@galerie-nord.example"
    portal.assigned_at = timezone.now()
    portal.save()
    return portal


def owner_send_url(portal: Portal) -> str:
    return reverse("owner:send", args=[portal.public_id])


def emailed(invites: list[Invite], times: int = 1, status: str = Delivery.Status.SENT) -> None:
    Delivery.objects.bulk_create(
        Delivery(
            about=invite,
            template="invite",
            recipient=invite.guest_email or "x@example.com",
            status=status,
            sent_at=invite.created_at,
        )
        for invite in invites
        for _ in range(times)
    )


def test_the_unsent_page_query_count_does_not_grow_with_the_invites(
    owned_portal: Portal, make_invites: Any, django_assert_max_num_queries: Any
) -> None:
    client = owner_client(owned_portal)
    url = owner_send_url(owned_portal)
    make_invites(10, portal=owned_portal)
    with django_assert_max_num_queries(40) as few:
        page = client.get(url, {"scope": "unsent"})
    assert "10 guests</strong> will receive this email" in page.content.decode()
    with django_assert_max_num_queries(40) as few_preview:
        client.post(url, {"scope": "unsent", "step": "preview", **DEFAULTS})

    emails = [f"more{n}@example.com" for n in range(290)]
    more = make_invites(290, portal=owned_portal, emails=emails)
    emailed(more[:40])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url, {"scope": "unsent"})
    html = page.content.decode()
    assert "260 guests</strong> will receive this email" in html
    # Five recipients by name, the rest as a number.
    assert html.count("<li>Guest ") == 5 and "and 255 more" in html
    with django_assert_max_num_queries(len(few_preview.captured_queries)):
        preview = client.post(url, {"scope": "unsent", "step": "preview", **DEFAULTS})
    assert "Send 260 emails" in preview.content.decode()


def test_sending_to_every_unsent_invite_queues_exactly_one_email_per_sendable_invite(
    owned_portal: Portal,
    make_invites: Any,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    fresh = make_invites(
        250, portal=owned_portal, emails=[f"fresh{n}@example.com" for n in range(250)]
    )
    odd = make_invites(
        len(ODD_INVALID) + len(ODD_VALID), portal=owned_portal, emails=ODD_INVALID + ODD_VALID
    )
    no_email = make_invites(3, portal=owned_portal, emails=["", "", ""])
    revoked = make_invites(2, portal=owned_portal)
    Invite.objects.filter(pk__in=[i.pk for i in revoked]).update(status=Invite.Status.REVOKED)
    already = make_invites(20, portal=owned_portal)
    emailed(already)
    failed_only = make_invites(
        5, portal=owned_portal, emails=[f"f{n}@example.com" for n in range(5)]
    )
    emailed(failed_only, status=Delivery.Status.FAILED)
    # The organizer's own invites and another portal's are not this owner's to email.
    organizers = make_invites(5)
    other_portal = make_portal(group=owned_portal.group, name="Other Gallery", allocation=10)
    others = make_invites(5, portal=other_portal)
    before = Delivery.objects.count()

    with django_capture_on_commit_callbacks(execute=False), django_assert_max_num_queries(20):
        response = owner_client(owned_portal).post(
            owner_send_url(owned_portal), {"scope": "unsent", "step": "send", **DEFAULTS}
        )

    assert response.status_code == 302
    send_id = response["Location"].rsplit("send=", 1)[1]
    queued = Delivery.objects.filter(send_id=send_id)
    sendable = fresh + odd[len(ODD_INVALID) :] + failed_only
    queued_ids = {pk for pk in queued.values_list("object_id", flat=True)}
    assert queued_ids == {i.pk for i in sendable}
    assert queued.count() == len(sendable)  # one each
    assert Delivery.objects.count() == before + len(sendable)
    row = queued.get(object_id=fresh[0].pk)
    assert (row.recipient, row.reply_to, row.status, row.attempts) == (
        "fresh0@example.com",
        "owner@galerie-nord.example",
        Delivery.Status.QUEUED,
        0,
    )
    assert row.organization_id == owned_portal.organization_id
    # The standard subject, kept as shown, is stored empty: each guest reads it in their language.
    assert row.context == {"subject": "", "message": DEFAULTS["message"]}
    assert row.queued_by == "owner@galerie-nord.example"
    untouched = no_email + revoked + organizers + others + odd[: len(ODD_INVALID)]
    assert not queued.filter(object_id__in=[i.pk for i in untouched]).exists()
    assert not Delivery.objects.filter(object_id__in=[i.pk for i in untouched]).exists()


def test_the_page_counts_what_the_send_then_does(
    alice_client: Client,
    event: Any,
    make_invites: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    plain = make_invites(6)
    odd = make_invites(len(ODD_INVALID + ODD_VALID), emails=ODD_INVALID + ODD_VALID)
    no_email = make_invites(2, emails=["", ""])
    used_up, reminded = make_invites(2)
    emailed([used_up], times=MAX_SENDS_PER_INVITE)
    emailed([reminded], times=2)
    revoked = make_invites(1)[0]
    Invite.objects.filter(pk=revoked.pk).update(status=Invite.Status.REVOKED)
    selection = [*plain, *odd, *no_email, used_up, reminded, revoked]
    invites = Invite.objects.filter(pk__in=[i.pk for i in selection])

    plan = plan_invite_emails(invites)
    expected = Skipped(without_email=len(ODD_INVALID) + len(no_email), at_limit=1, revoked=1)
    assert plan.skipped == expected
    assert plan.count == len(plain) + len(ODD_VALID) + 1
    # The oldest first; what the sample skips is not shown.
    assert [i.pk for i in plan.sample] == [i.pk for i in plain[:5]]

    with django_capture_on_commit_callbacks(execute=True):
        queued = queue_invite_emails(invites, subject="Hi", message="")
    assert len(queued) == plan.count
    assert queued.skipped == plan.skipped
    assert {d.object_id for d in queued} == {
        i.pk for i in [*plain, *odd[len(ODD_INVALID) :], reminded]
    }
    assert len(mail.outbox) == plan.count
    assert {m.to[0] for m in mail.outbox} >= set(ODD_VALID)


def test_the_sample_reads_past_invites_a_send_would_refuse(make_invites: Any) -> None:
    refused = make_invites(len(ODD_INVALID), emails=ODD_INVALID)
    fine = make_invites(7)
    plan = plan_invite_emails(Invite.objects.filter(pk__in=[i.pk for i in refused + fine]))
    assert plan.count == 7 and plan.more == 2
    assert [i.pk for i in plan.sample] == [i.pk for i in fine[:5]]
    assert getattr(plan.sample[0], "delivery_sends") == 0  # noqa: B009  # an annotation


def test_a_second_click_on_send_all_unsent_queues_nothing_more(
    owned_portal: Portal, make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_invites(30, portal=owned_portal)
    client = owner_client(owned_portal)
    url = owner_send_url(owned_portal)
    data = {"scope": "unsent", "step": "send", **DEFAULTS}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
        again = client.post(url, data)
    assert again.status_code == 422
    assert "Nothing to send" in again.content.decode()
    assert Delivery.objects.count() == 30
    assert len(mail.outbox) == 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sends_to_every_unsent_invite_at_once_email_each_invite_once(
    owned_portal: Portal, make_invites: Any
) -> None:
    invites = make_invites(40, portal=owned_portal)
    barrier = threading.Barrier(2)
    outcomes: list[int | str] = []

    def attempt() -> None:
        try:
            # Both read the same unsent invites before either has queued anything.
            selection = unsent_invites(Invite.objects.filter(portal=owned_portal))
            barrier.wait(timeout=10)
            with transaction.atomic():
                queued = queue_invite_emails(selection, subject="Hi", message="", unsent_only=True)
                # Hold the invites' locks a moment so the other send really waits on them.
                threading.Event().wait(0.3)
            outcomes.append(len(queued))
        except NoRecipients:
            outcomes.append("nothing left")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes, key=str) == [40, "nothing left"]
    per_invite = Delivery.objects.filter(object_id__in=[i.pk for i in invites])
    assert per_invite.count() == 40
    assert per_invite.values("object_id").distinct().count() == 40


# --- The plain-address shape the count trusts -----------------------------------------------


@given(st.from_regex(PLAIN_ADDRESS, fullmatch=True))
def test_every_plain_address_is_one_a_send_accepts(address: str) -> None:
    if len(address) <= MAX_PLAIN_LENGTH:
        assert is_valid_address(address), address


# Near-misses: the characters and shapes that make an address invalid.
NEAR_ADDRESSES = st.builds(
    lambda local, domain, tld: f"{local}@{domain}{tld}",
    st.text(alphabet="ab.-_+'\" é@", min_size=0, max_size=8),
    st.text(alphabet="ab-.é0[]", min_size=0, max_size=70),
    st.sampled_from(["", ".com", ".c", ".c0m", ".co-", ".xn--p1ai", ".", "-"]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(address=st.one_of(NEAR_ADDRESSES, st.from_regex(PLAIN_ADDRESS, fullmatch=True)))
def test_the_database_counts_an_address_as_a_send_would(make_invites: Any, address: str) -> None:
    address = re.sub(r"\s", " ", address)[:254]
    invite = (
        Invite.objects.filter(guest_name="probe").first() or make_invites(1, names=["probe"])[0]
    )
    Invite.objects.filter(pk=invite.pk).update(guest_email=address)
    plan = plan_invite_emails(Invite.objects.filter(pk=invite.pk))
    sendable = bool(address) and is_valid_address(address)
    assert plan.count == (1 if sendable else 0), address
    assert plan.skipped.without_email == (0 if sendable else 1), address
