"""The admin's sign-in has the same brute-force limits as every other login.

Django's own /admin/login/ form checked passwords without any limit: 30 wrong
passwords, then the right one got in. It now hands over to allauth's login.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.test import Client

from tests.conftest import PASSWORD, make_user

WRONG = "not the password"


@pytest.fixture
def staff(db: Any) -> Any:
    user = make_user("ops@example.com")
    user.is_staff = True
    user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def admin_sign_in_form(client: Client) -> str:
    """Where /admin/ sends an anonymous visitor to sign in."""
    page = client.get("/admin/", follow=True)
    form_url = page.request["PATH_INFO"]
    if page.request.get("QUERY_STRING"):
        form_url += "?" + page.request["QUERY_STRING"]
    return form_url


def sign_in_through_admin(
    client: Client, user: Any, password: str, *, form_url: str = "", **extra: Any
) -> Any:
    # "username" is the field of Django's admin form, "login" the one of allauth's.
    fields = {"username": user.username, "login": user.email, "password": password}
    return client.post(form_url or admin_sign_in_form(client), fields, follow=True, **extra)


def guess_wrong(client: Client, user: Any, *, addresses: list[str]) -> None:
    """One wrong password from each address, in turn."""
    form_url = admin_sign_in_form(client)
    fields = {"username": user.username, "login": user.email, "password": WRONG}
    for address in addresses:
        client.post(form_url, fields, REMOTE_ADDR=address)


def sees_the_admin(client: Client) -> bool:
    response = client.get("/admin/")
    return response.status_code == 200 and "Site administration" in response.content.decode()


class FrozenClock:
    """allauth's rate limits read time.time(); this one moves only when told."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock()
    monkeypatch.setattr(allauth_ratelimit, "time", frozen)
    return frozen


def test_a_staff_member_signs_in_to_the_admin(staff):
    client = Client()
    sign_in_through_admin(client, staff, PASSWORD)
    assert sees_the_admin(client)


def test_the_right_password_is_refused_after_30_wrong_ones(staff, clock):
    attacker = Client()
    guess_wrong(attacker, staff, addresses=["127.0.0.1"] * 30)

    response = sign_in_through_admin(attacker, staff, PASSWORD)

    assert not sees_the_admin(attacker)
    page = response.content.decode()
    assert response.status_code == 429 or "Too many failed login attempts" in page


def test_wrong_passwords_from_many_addresses_still_lock_the_account(staff, clock):
    # Per account, not only per address: a botnet does not get 30 guesses.
    guess_wrong(Client(), staff, addresses=[f"198.51.100.{number}" for number in range(1, 31)])

    owner = Client(REMOTE_ADDR="203.0.113.7")
    response = sign_in_through_admin(owner, staff, PASSWORD)

    assert not sees_the_admin(owner)
    assert "Too many failed login attempts" in response.content.decode()


def test_the_lock_lifts_after_a_while(staff, clock):
    guess_wrong(Client(), staff, addresses=["127.0.0.1"] * 30)
    clock.now += 10 * 60

    client = Client()
    sign_in_through_admin(client, staff, PASSWORD)

    assert sees_the_admin(client)


def test_the_admin_form_no_longer_checks_passwords(staff):
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not sees_the_admin(client)


def test_a_member_who_is_not_staff_cannot_reach_the_admin(bob):
    client = Client()
    response = sign_in_through_admin(client, bob, PASSWORD)

    assert response.status_code == 403
    assert "not a staff account" in response.content.decode()
    assert client.get("/admin/auth/user/", follow=True).status_code == 403
    assert not sees_the_admin(client)
