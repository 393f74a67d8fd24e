"""artsvp/row_urls.py: a row's link is the one reverse() makes."""

from __future__ import annotations

from django.urls import reverse

from artsvp.row_urls import PLACEHOLDER, row_url


def test_a_rows_link_is_what_reverse_makes_for_its_id() -> None:
    answer = row_url("invites:answer_for_guest", "basel-art-week", "spring-fair")
    for public_id in ("abc123def45678", "zz0000"):
        assert answer(public_id) == reverse(
            "invites:answer_for_guest", args=["basel-art-week", "spring-fair", public_id]
        )


def test_a_token_as_the_last_argument_works_too() -> None:
    assert row_url("invites:guest")("Ab-_0123456789xyzQ") == reverse(
        "invites:guest", args=["Ab-_0123456789xyzQ"]
    )


def test_a_slug_that_spells_the_placeholder_still_gets_its_own_link() -> None:
    link = row_url("invites:answer_for_guest", PLACEHOLDER, "fair")
    assert link("abc123def45678") == reverse(
        "invites:answer_for_guest", args=[PLACEHOLDER, "fair", "abc123def45678"]
    )
