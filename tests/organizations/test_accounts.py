"""Accounts through django-allauth: sign up, log in and out, password reset, verification."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher, make_password
from django.core import mail
from django.urls import reverse

from organizations.models import Membership
from tests.conftest import PASSWORD
from tests.mail import html_of

NEW_PASSWORD = "a brand new long passphrase 42"


def sign_up(client, email, *, next_url=""):
    url = reverse("account_signup") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"email": email, "password1": PASSWORD, "password2": PASSWORD})


def link_in(message):
    return re.search(r"https?://\S+", message.body).group(0)


def test_signup_then_create_organization_lands_on_the_events_list(client, db):
    response = sign_up(client, "dora@example.com")
    assert response.status_code == 302
    # No organization yet: the user is asked to create one.
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == reverse("organizations:create")
    assert b"Create your organization" in response.content

    response = client.post(reverse("organizations:create"), {"name": "Dora's Gallery"}, follow=True)

    membership = Membership.objects.get(user__email="dora@example.com")
    assert membership.role == Membership.Role.OWNER
    assert membership.organization.slug == "doras-gallery"
    assert response.redirect_chain[-1][0] == reverse("events:list", args=["doras-gallery"])
    assert b"Dora&#x27;s Gallery" in response.content


@pytest.mark.real_password_hasher
def test_signup_stores_the_password_with_the_production_hasher(client, db):
    sign_up(client, "dora@example.com")

    user = get_user_model().objects.get(email="dora@example.com")
    assert user.password.split("$")[0] == get_hasher("default").algorithm
    assert get_hasher("default").algorithm != "md5"
    assert user.check_password(PASSWORD)


@pytest.mark.real_password_hasher
def test_signup_stores_the_password_with_argon2(client, db):
    sign_up(client, "dora@example.com")

    user = get_user_model().objects.get(email="dora@example.com")
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.real_password_hasher
def test_a_pbkdf2_password_still_signs_in_and_is_rehashed_with_argon2(client, alice):
    # A password stored before Argon2 became the default.
    alice.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    alice.save(update_fields=["password"])

    response = client.post(
        reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.password.startswith("argon2$")
    assert alice.check_password(PASSWORD)


def test_signup_refuses_a_taken_email_next_to_the_field(client, alice):
    response = sign_up(client, "ALICE@example.com")
    assert response.status_code == 200
    assert b'class="errorlist"' in response.content
    assert get_user_model().objects.filter(email__iexact="alice@example.com").count() == 1


def test_signup_refuses_mismatched_passwords(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "dora@example.com", "password1": PASSWORD, "password2": "something else"},
    )
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not get_user_model().objects.filter(email="dora@example.com").exists()


def test_login_by_email_goes_to_the_organization(client, org):
    response = client.post(
        reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("events:list", args=[org.slug])
    assert response.context["user"].email == "alice@example.com"


def test_login_with_a_wrong_password_says_so_and_stays_logged_out(client, alice):
    response = client.post(
        reverse("account_login"), {"login": "alice@example.com", "password": "wrong password"}
    )
    assert response.status_code == 200
    assert b"alert error" in response.content
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post(alice_client):
    response = alice_client.get(reverse("account_logout"))
    assert response.status_code == 200
    assert b"Log out of artsvp on this device?" in response.content
    assert "_auth_user_id" in alice_client.session

    response = alice_client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in alice_client.session
    assert alice_client.get(reverse("organizations:home")).status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, alice):
    response = client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert "Reset your password" in message.subject
    assert "Choose a new password" in html_of(message)

    # The key link redirects to a page that keeps the key out of the URL.
    response = client.get(link_in(message), follow=True)
    form_url = response.redirect_chain[-1][0]
    assert b"Choose a new password" in response.content
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302

    client.logout()
    client.post(reverse("account_login"), {"login": "alice@example.com", "password": NEW_PASSWORD})
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_password_reset_for_an_unknown_address_reveals_nothing(client, db):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")


def test_verification_is_mandatory_with_a_real_email_backend(client, db, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = sign_up(client, "erin@example.com")
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    # Logging in before confirming is refused: a new confirmation email goes out instead.
    client.post(reverse("account_login"), {"login": "erin@example.com", "password": PASSWORD})
    assert "_auth_user_id" not in client.session

    confirmation = mail.outbox[0]
    assert "Confirm your email address" in confirmation.subject
    response = client.post(link_in(confirmation))
    assert EmailAddress.objects.get(email="erin@example.com").verified
    assert "_auth_user_id" in client.session
    assert client.get(reverse("organizations:home"))["Location"] == reverse("organizations:create")


def test_account_pages_use_the_app_layout(client, alice_client):
    for url in [
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
    ]:
        content = client.get(url).content
        assert b"css/app.css" in content
        assert b'class="card"' in content
    content = alice_client.get(reverse("account_email")).content
    assert b"alice@example.com" in content
    assert b"Verified" in content
    assert b'aria-label="Account settings"' in content


def test_a_user_can_add_a_second_email_address(alice_client, alice):
    response = alice_client.post(
        reverse("account_email"), {"email": "alice@gallery.example", "action_add": ""}
    )
    assert response.status_code == 302
    address = EmailAddress.objects.get(email="alice@gallery.example")
    assert address.user == alice
    assert not address.verified


def test_repeated_failed_logins_lock_the_address_for_a_while(client, alice):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "alice@example.com", "password": "guess"})
    response = client.post(
        reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD}
    )
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_a_flood_of_signups_gets_the_styled_429_page(client, db):
    def sign_up_bot(n):
        return client.post(reverse("account_signup"), {"email": f"bot{n}@example.com"})

    assert [sign_up_bot(n).status_code for n in range(20)] == [200] * 20
    response = sign_up_bot(20)
    assert response.status_code == 429
    assert b"Slow down a little" in response.content
    assert b"css/app.css" in response.content
