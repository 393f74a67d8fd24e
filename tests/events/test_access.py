import pytest
from django.http import Http404

from events.access import access_event, access_event_by_public_id


def test_an_event_is_found_by_slug_and_by_public_id(org, event):
    assert access_event(org, event.slug) == event
    assert access_event_by_public_id(org, event.public_id) == event


def test_another_organizations_event_is_404_like_a_missing_one(other_org, event):
    for lookup, identifier in (
        (access_event, event.slug),
        (access_event_by_public_id, event.public_id),
        (access_event, "no-such-event"),
        (access_event_by_public_id, "nosuchevent"),
    ):
        with pytest.raises(Http404, match=r"^No such event\.$"):
            lookup(other_org, identifier)


def test_a_malformed_public_id_is_404_before_any_query(org, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(Http404):
        access_event_by_public_id(org, "bad\x00id")
