"""Emailing many portals their links, reminders (manual and scheduled), and the
group's portal CSV (portals/bulk_links.py, portals/bulk_views.py)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deliveries.models import Delivery
from portals import bulk_links, services, tasks
from portals.bulk_links import NothingToEmail
from portals.emails import PORTAL_LINK, PORTAL_LINK_REMINDER
from portals.models import Portal, PortalLinkReminder
from tests.conftest import make_portal


def _portals(group, count, *, contact=True, start=0):
    return [
        make_portal(
            group=group,
            name=f"Gallery {n:03d}",
            allocation=5,
            contact_email=f"gallery{n}@example.org" if contact else "",
        )
        for n in range(start, start + count)
    ]


def _links_url(org, group):
    return reverse("portals:bulk_links", args=[org.slug, group.public_id])


# --- The service -----------------------------------------------------------------------------


def test_every_unclaimed_portal_with_a_contact_gets_its_link_once(
    group, portal, django_capture_on_commit_callbacks
):
    others = _portals(group, 3)
    [no_contact] = _portals(group, 1, contact=False, start=50)
    claimed = _portals(group, 1, start=60)[0]
    Portal.objects.filter(pk=claimed.pk).update(
        status="assigned", owner_email="owner@example.org", assigned_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        queued = bulk_links.email_portal_links(group)

    assert len(queued) == 4
    assert queued.without_contact == [no_contact.name]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [portal.contact_email, *(p.contact_email for p in others)]
    )
    assert all(m.subject.startswith("Your portal for Spring Fair: ") for m in mail.outbox)
    assert f"/p/{portal.token}/" in next(
        m.body for m in mail.outbox if m.to == [portal.contact_email]
    )
    assert "without a contact email (Gallery 050)" in queued.skipped_text()
    assert Delivery.objects.filter(send_id=queued.send_id, status="sent").count() == 4


def test_a_double_click_emails_nobody_twice(group, portal, django_capture_on_commit_callbacks):
    _portals(group, 2)
    with django_capture_on_commit_callbacks(execute=True):
        bulk_links.email_portal_links(group)
        with pytest.raises(NothingToEmail) as refused:
            bulk_links.email_portal_links(group)
    assert len(mail.outbox) == 3
    assert refused.value.recent == 3
    assert "emailed in the last few minutes" in str(refused.value)


def test_a_portal_emailed_on_its_own_just_now_is_skipped_by_the_bulk_send(
    group, portal, django_capture_on_commit_callbacks
):
    _portals(group, 1)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_portal_link(portal, actor=None)
        queued = bulk_links.email_portal_links(group)
    assert len(queued) == 1
    assert queued.recent == 1
    assert len(mail.outbox) == 2


def test_a_failed_email_does_not_count_as_recent(group, portal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = bulk_links.email_portal_links(group)
    Delivery.objects.filter(pk=first[0].pk).update(status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        again = bulk_links.email_portal_links(group)
    assert len(again) == 1


def test_after_the_quiet_time_a_portal_can_be_emailed_again(
    group, portal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = bulk_links.email_portal_links(group)
    Delivery.objects.filter(pk=first[0].pk).update(
        queued_at=timezone.now() - bulk_links.RECENTLY_EMAILED - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert len(bulk_links.email_portal_links(group)) == 1


def test_only_the_selected_unclaimed_portals_of_the_group_are_emailed(
    group, portal, other_portal, django_capture_on_commit_callbacks
):
    first, _second = _portals(group, 2)
    with django_capture_on_commit_callbacks(execute=True):
        queued = bulk_links.email_portal_links(
            group, public_ids=[first.public_id, other_portal.public_id]
        )
    assert [d.object_id for d in queued] == [first.pk]
    assert [m.to for m in mail.outbox] == [[first.contact_email]]


def test_nothing_to_email_without_contacts_is_a_clear_refusal(group):
    _portals(group, 2, contact=False)
    with pytest.raises(NothingToEmail, match="has a contact email"):
        bulk_links.email_portal_links(group)
    assert not Delivery.objects.exists()


def test_a_reminder_says_the_portal_is_waiting(group, portal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bulk_links.email_portal_links(group, reminder=True)
    [message] = mail.outbox
    assert message.subject == "Your portal for Spring Fair is waiting: Galerie Nord"
    assert "is waiting" in message.body
    assert f"/p/{portal.token}/" in message.body


def test_a_reminder_is_skipped_if_the_portal_was_claimed_before_it_went(
    group, portal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bulk_links.email_portal_links(group, reminder=True)
    Portal.objects.filter(pk=portal.pk).update(
        status="assigned", owner_email="owner@example.org", assigned_at=timezone.now()
    )
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    delivery = Delivery.objects.get(template=PORTAL_LINK_REMINDER)
    assert delivery.status == "failed"
    assert "claimed" in delivery.last_error


def test_a_link_whose_contact_changed_before_it_went_is_not_sent(
    group, portal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bulk_links.email_portal_links(group)
    Portal.objects.filter(pk=portal.pk).update(contact_email="new@example.org")
    for callback in callbacks:
        callback()
    assert mail.outbox == []


# --- Scheduled reminders ---------------------------------------------------------------------


def _links_sent_days_ago(group, days, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bulk_links.email_portal_links(group)
    Delivery.objects.filter(template=PORTAL_LINK).update(
        queued_at=timezone.now() - timedelta(days=days, minutes=1)
    )
    mail.outbox.clear()


def test_a_scheduled_reminder_goes_once_per_portal(
    group, portal, django_capture_on_commit_callbacks
):
    _portals(group, 1)
    bulk_links.set_link_reminders(group, days=3)
    _links_sent_days_ago(group, 3, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_link_reminders() == 2
        # The beat runs again (or twice at once after a broker outage): the rows decide.
        assert tasks.send_link_reminders() == 0
    later = timezone.now() + timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk_links.send_scheduled_reminders(now=later) == 0

    assert len(mail.outbox) == 2
    assert all("is waiting" in m.subject for m in mail.outbox)
    assert PortalLinkReminder.objects.filter(after_days=3).count() == 2


def test_no_reminder_before_the_days_have_passed(group, portal, django_capture_on_commit_callbacks):
    bulk_links.set_link_reminders(group, days=3)
    _links_sent_days_ago(group, 2, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk_links.send_scheduled_reminders() == 0
    assert mail.outbox == []


def test_no_scheduled_reminder_for_claimed_portals_or_without_a_schedule(
    group, portal, django_capture_on_commit_callbacks
):
    [claimed] = _portals(group, 1)
    _links_sent_days_ago(group, 10, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk_links.send_scheduled_reminders() == 0  # no schedule
    bulk_links.set_link_reminders(group, days=3)
    Portal.objects.filter(pk=claimed.pk).update(
        status="assigned", owner_email="owner@example.org", assigned_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk_links.send_scheduled_reminders() == 1
    assert [m.to for m in mail.outbox] == [[portal.contact_email]]


def test_a_portal_never_sent_its_link_is_not_reminded(group, portal):
    bulk_links.set_link_reminders(group, days=1)
    assert bulk_links.send_scheduled_reminders(now=timezone.now() + timedelta(days=30)) == 0


def test_the_beat_runs_the_reminders(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-link-reminders"]
    assert entry["task"] == "portals.tasks.send_link_reminders"


# --- The pages -------------------------------------------------------------------------------


def test_the_page_lists_unclaimed_portals_and_names_those_without_a_contact(
    alice_client, org, group, portal
):
    _portals(group, 1, contact=False, start=7)
    response = alice_client.get(_links_url(org, group))
    text = response.content.decode()
    assert response.status_code == 200
    assert "1 unclaimed portal to email" in text
    assert "1 unclaimed portal has no contact email and will be skipped" in text
    assert "Gallery 007" in text
    assert portal.public_id in text


def test_the_page_query_count_does_not_grow_with_portals(
    alice_client, org, group, django_assert_max_num_queries
):
    _portals(group, 5)
    with CaptureQueriesContext(connection) as few:
        alice_client.get(_links_url(org, group))
    _portals(group, 40, start=100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        alice_client.get(_links_url(org, group))


def test_emailing_all_unclaimed_redirects_to_the_progress(
    alice_client, org, group, portal, django_capture_on_commit_callbacks
):
    _portals(group, 2)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(_links_url(org, group), {"everyone": "on", "action": "link"})
    assert response.status_code == 302
    assert "/links/progress/?send=" in response["Location"]
    page = alice_client.get(response["Location"])
    text = page.content.decode()
    assert "3 emails on the way." in text
    assert "3 of 3 sent" in text
    assert 'hx-get="' not in text  # done: the polling stops
    assert len(mail.outbox) == 3


def test_the_progress_partial_polls_while_emails_wait(
    alice_client, org, group, portal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        queued = bulk_links.email_portal_links(group)
    url = reverse("portals:bulk_links_progress", args=[org.slug, group.public_id])
    response = alice_client.get(f"{url}?send={queued.send_id}", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "0 of 1 sent" in text
    assert "every 2s" in text


def test_a_progress_of_an_unknown_send_is_404(alice_client, org, group):
    url = reverse("portals:bulk_links_progress", args=[org.slug, group.public_id])
    assert alice_client.get(f"{url}?send=nosuchsend").status_code == 404


def test_the_progress_without_a_send_shows_the_one_still_going_or_goes_back(
    alice_client, org, group, portal, django_capture_on_commit_callbacks
):
    url = reverse("portals:bulk_links_progress", args=[org.slug, group.public_id])
    assert alice_client.get(url)["Location"] == _links_url(org, group)
    with django_capture_on_commit_callbacks(execute=False):
        bulk_links.email_portal_links(group)
    assert "0 of 1 sent" in alice_client.get(url).content.decode()


def test_submitting_nothing_selected_is_a_field_error(alice_client, org, group, portal):
    response = alice_client.post(_links_url(org, group), {"action": "link"})
    assert response.status_code == 422
    assert "Select the portals to email" in response.content.decode()
    assert not Delivery.objects.exists()


def test_a_made_up_portal_id_is_a_field_error(alice_client, org, group, portal, other_portal):
    response = alice_client.post(
        _links_url(org, group), {"portal": [other_portal.public_id], "action": "link"}
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not Delivery.objects.exists()


def test_a_second_click_shows_why_nothing_went(
    alice_client, org, group, portal, django_capture_on_commit_callbacks
):
    data = {"portal": [portal.public_id], "action": "reminder"}
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(_links_url(org, group), data)
        response = alice_client.post(_links_url(org, group), data)
    assert response.status_code == 422
    assert "emailed in the last few minutes" in response.content.decode()
    assert len(mail.outbox) == 1


def test_the_reminder_schedule_is_saved_and_checked(alice_client, org, group):
    url = reverse("portals:link_reminders", args=[org.slug, group.public_id])
    response = alice_client.post(url, {"days": "0"})
    assert response.status_code == 422
    assert "greater than or equal to 1" in response.content.decode()
    response = alice_client.post(url, {"days": "4"}, follow=True)
    assert "reminded 4 days after their link went out" in response.content.decode()
    group.refresh_from_db()
    assert group.link_reminder_days == 4
    alice_client.post(url, {"days": ""})
    group.refresh_from_db()
    assert group.link_reminder_days is None


def test_the_group_page_links_to_the_bulk_page_and_the_csv(alice_client, org, group):
    text = alice_client.get(
        reverse("portals:group_detail", args=[org.slug, group.public_id])
    ).content.decode()
    assert _links_url(org, group) in text
    assert reverse("portals:portals_csv", args=[org.slug, group.public_id]) in text


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("portals:bulk_links", "get"),
        ("portals:bulk_links", "post"),
        ("portals:bulk_links_progress", "get"),
        ("portals:link_reminders", "post"),
        ("portals:portals_csv", "get"),
    ],
)
def test_another_organizations_group_is_404(charlie_client, org, group, portal, name, method):
    url = reverse(name, args=[org.slug, group.public_id])
    assert (
        getattr(charlie_client, method)(url, {"everyone": "on", "action": "link"}).status_code
        == 404
    )
    assert not Delivery.objects.exists()


def test_charlie_cannot_reach_alices_group_through_his_own_org(
    charlie_client, other_org, group, portal
):
    response = charlie_client.post(
        reverse("portals:bulk_links", args=[other_org.slug, group.public_id]),
        {"everyone": "on", "action": "link"},
    )
    assert response.status_code == 404
    assert not Delivery.objects.exists()


# --- CSV ---------------------------------------------------------------------------------------


def _csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_lists_every_portal_with_link_state_and_usage(
    alice_client, org, group, portal, settings
):
    settings.SITE_URL = "https://rsvp.example.org"
    claimed_at = timezone.now()
    Portal.objects.filter(pk=portal.pk).update(
        status="assigned", owner_email="owner@galerie.example", assigned_at=claimed_at
    )
    [other] = _portals(group, 1)
    response = alice_client.get(reverse("portals:portals_csv", args=[org.slug, group.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    header, *rows = _csv_rows(response)
    code = group.invite_types.get().code
    assert header == [
        "name",
        "contact_email",
        "owner_email",
        "state",
        "link",
        f"allocation_{code}",
        f"used_{code}",
        "allocation",
        "used",
        "claimed_at",
    ]
    by_name = {row[0]: row for row in rows}
    row = by_name["Galerie Nord"]
    assert row[1:6] == [
        "hello@galerie-nord.example",
        "owner@galerie.example",
        "assigned",
        f"https://rsvp.example.org/p/{portal.token}/",
        "10",
    ]
    assert row[6:9] == ["0", "10", "0"]
    assert row[9].startswith(str(claimed_at.year))
    assert by_name[other.name][3] == "unassigned"
    assert by_name[other.name][9] == ""


def test_the_csv_is_formula_safe(alice_client, org, group):
    make_portal(group=group, name='=HYPERLINK("http://evil","x")', allocation=1)
    response = alice_client.get(reverse("portals:portals_csv", args=[org.slug, group.public_id]))
    _header, row = _csv_rows(response)
    assert row[0] == '\'=HYPERLINK("http://evil","x")'


def test_a_revoked_portals_link_is_left_out_of_the_csv(alice_client, org, group, portal):
    services.revoke_portal(portal, actor=None)
    response = alice_client.get(reverse("portals:portals_csv", args=[org.slug, group.public_id]))
    _header, row = _csv_rows(response)
    assert row[3] == "revoked"
    assert row[4] == ""
