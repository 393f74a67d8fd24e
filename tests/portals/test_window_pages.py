"""The entry window pages (portals/window_views.py) and the event page's windows section."""

from __future__ import annotations

from django.urls import reverse

from events.models import EntryWindow
from events.windows import WindowDetails
from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_organizer_invites
from portals import invite_types
from portals.invite_types import TypeSettings, create_invite_type
from portals.services import live_types
from tests.conftest import give_credits


def window_data(event, **overrides: str) -> dict[str, str]:
    day = event.local_starts_at.date().isoformat()
    data = {
        "label": "VIP Preview — Thu 11:00",
        "starts_at": f"{day}T11:00",
        "ends_at": f"{day}T15:00",
        "capacity": "200",
    }
    data.update(overrides)
    return data


def make_window(event, label="VIP", capacity=200, types=()):
    local = event.local_starts_at.replace(tzinfo=None)
    return invite_types.create_window(
        event,
        details=WindowDetails(
            label=label,
            starts_at=local.replace(hour=11, minute=0),
            ends_at=local.replace(hour=15, minute=0),
            capacity=capacity,
        ),
        invite_types=types,
    )


def test_the_event_page_says_what_windows_are_for(alice_client, org, event) -> None:
    html = alice_client.get(reverse("events:detail", args=[org.slug, event.slug])).content.decode()
    assert "No entry windows" in html
    assert reverse("portals:window_create", args=[org.slug, event.slug]) in html


def test_adding_a_window_with_the_types_it_admits(alice_client, org, event, group) -> None:
    vip = create_invite_type(group, settings=TypeSettings(name="VIP Preview", code="vip-preview"))
    url = reverse("portals:window_create", args=[org.slug, event.slug])
    assert "Exhibitors · VIP Preview" in alice_client.get(url).content.decode()

    response = alice_client.post(url, {**window_data(event), "invite_types": [str(vip.pk)]})

    assert response.status_code == 302
    window = EntryWindow.objects.get()
    assert window.local_starts_at.hour == 11
    assert list(window.invite_types.all()) == [vip]
    html = alice_client.get(reverse("events:detail", args=[org.slug, event.slug])).content.decode()
    assert "VIP Preview — Thu 11:00" in html
    assert "Exhibitors · VIP Preview" in html


def test_window_errors_are_shown_next_to_the_field(alice_client, org, event) -> None:
    make_window(event, label="VIP")
    url = reverse("portals:window_create", args=[org.slug, event.slug])

    response = alice_client.post(url, window_data(event, label="vip"))
    assert 'id="id_label_error"' in response.content.decode()

    day = event.local_starts_at.date().isoformat()
    response = alice_client.post(url, window_data(event, ends_at=f"{day}T10:00"))
    html = response.content.decode()
    assert 'id="id_ends_at_error"' in html and "must end after it starts" in html
    assert EntryWindow.objects.count() == 1


def test_lowering_a_capacity_shows_the_window_as_over_full(alice_client, org, event) -> None:
    window = make_window(event, capacity=5)
    give_credits(org, invite=1)
    batch = generate_organizer_invites(
        event,
        [GuestInput(name="Ada", email="ada@example.com", plus_ones=2)],
        method=InviteBatch.Method.SINGLE,
    )
    batch.invites.update(status=Invite.Status.ACCEPTED, entry_window=window, plus_ones=2)

    response = alice_client.post(
        reverse("portals:window_edit", args=[org.slug, event.slug, window.public_id]),
        window_data(event, label="VIP", capacity="1"),
    )

    assert response.status_code == 302
    assert Invite.objects.get().status == Invite.Status.ACCEPTED
    html = alice_client.get(reverse("events:detail", args=[org.slug, event.slug])).content.decode()
    assert "Full, 2 over" in html


def test_editing_keeps_a_windows_types_unless_changed(alice_client, org, event, group) -> None:
    (standard,) = live_types(group)
    window = make_window(event, types=[standard])
    url = reverse("portals:window_edit", args=[org.slug, event.slug, window.public_id])

    alice_client.post(url, {**window_data(event, label="VIP"), "invite_types": [str(standard.pk)]})
    assert list(window.invite_types.all()) == [standard]
    alice_client.post(url, window_data(event, label="VIP"))
    assert not window.invite_types.exists()


def test_a_window_guests_chose_is_not_deleted(alice_client, org, event) -> None:
    window = make_window(event)
    give_credits(org, invite=1)
    batch = generate_organizer_invites(
        event, [GuestInput(name="Ada", email="ada@example.com")], method=InviteBatch.Method.SINGLE
    )
    batch.invites.update(entry_window=window)
    url = reverse("portals:window_delete", args=[org.slug, event.slug, window.public_id])

    response = alice_client.post(url, follow=True)

    assert EntryWindow.objects.filter(pk=window.pk).exists()
    assert "can&#x27;t be deleted" in response.content.decode()
    Invite.objects.update(entry_window=None)
    alice_client.post(url)
    assert not EntryWindow.objects.exists()


def test_the_event_page_query_count_does_not_grow_with_windows(
    alice_client, org, event, group, django_assert_max_num_queries
) -> None:
    (standard,) = live_types(group)
    make_window(event, label="A", types=[standard])
    url = reverse("events:detail", args=[org.slug, event.slug])
    alice_client.get(url)
    with django_assert_max_num_queries(30) as first:
        alice_client.get(url)
    for n in range(6):
        make_window(event, label=f"W{n}", types=[standard])
    with django_assert_max_num_queries(len(first.captured_queries)):
        alice_client.get(url)


def test_an_outsider_gets_404_on_every_window_page(
    charlie_client, alice_client, org, event
) -> None:
    window = make_window(event)
    urls = [
        reverse("portals:window_create", args=[org.slug, event.slug]),
        reverse("portals:window_edit", args=[org.slug, event.slug, window.public_id]),
        reverse("portals:window_delete", args=[org.slug, event.slug, window.public_id]),
    ]
    for url in urls:
        assert charlie_client.get(url).status_code == 404
        assert charlie_client.post(url, window_data(event)).status_code == 404
    assert EntryWindow.objects.get().label == "VIP"


def test_a_window_of_another_event_is_404(alice_client, org, event) -> None:
    from events.models import Event

    other = Event.objects.create(
        organization=org,
        slug="other",
        name="Other",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    window = make_window(other)
    url = reverse("portals:window_edit", args=[org.slug, event.slug, window.public_id])
    assert alice_client.get(url).status_code == 404


def test_a_group_of_one_type_is_named_by_the_group_alone(alice_client, org, event, group) -> None:
    (standard,) = live_types(group)
    make_window(event, types=[standard])

    form = alice_client.get(reverse("portals:window_create", args=[org.slug, event.slug]))
    page = alice_client.get(reverse("events:detail", args=[org.slug, event.slug]))

    for html in (form.content.decode(), page.content.decode()):
        assert "Exhibitors" in html
        assert "Exhibitors · Standard" not in html
