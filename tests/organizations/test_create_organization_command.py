from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from organizations.models import Membership


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("create_organization", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_it_prints_the_slug_and_makes_the_existing_user_owner(alice):
    slug, note = run("Basel Art Week", "--owner", "ALICE@example.com")
    assert slug == "basel-art-week"
    membership = Membership.objects.get(organization__slug=slug)
    assert (membership.user, membership.role) == (alice, "owner")
    assert note == ""


def test_it_creates_a_missing_user_without_a_password(db, client):
    slug, note = run("Paris Photo", "--owner", "pia@example.com")
    user = get_user_model().objects.get(email="pia@example.com")
    assert not user.has_usable_password()
    assert Membership.objects.get(organization__slug=slug).user == user
    assert "/accounts/password/reset/" in note

    # The note's advice works: a password reset email goes out for that address.
    from django.core import mail

    client.post("/accounts/password/reset/", {"email": "pia@example.com"})
    assert [message.to for message in mail.outbox] == [["pia@example.com"]]


def test_a_second_organization_of_the_same_name_gets_its_own_slug(alice):
    assert run("Fair", "--owner", "alice@example.com")[0] == "fair"
    assert run("Fair", "--owner", "alice@example.com")[0] == "fair-2"


def test_bad_input_is_refused_and_changes_nothing(db):
    with pytest.raises(CommandError, match="email address"):
        run("Fair", "--owner", "not-an-email")
    with pytest.raises(CommandError, match="needs a name"):
        run("   ", "--owner", "pia@example.com")
    assert not get_user_model().objects.exists()
