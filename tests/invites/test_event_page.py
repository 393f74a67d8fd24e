"""invites/event_page.py: the event page links the event's guest list."""

from django.urls import reverse


def test_detail_links_the_guest_list(alice_client, org, event):
    response = alice_client.get(reverse("events:detail", args=[org.slug, event.slug]))

    assert response.context["guest_list_url"] == f"/o/{org.slug}/events/{event.slug}/guests/"
    assert response.context["guest_list_url"] == reverse(
        "invites:guest_list", args=[org.slug, event.slug]
    )
    assert "Guest list" in response.content.decode()
