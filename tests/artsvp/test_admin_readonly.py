"""The Django admin never bypasses the services.

A staff member who posts a change form with edited state fields (statuses,
counters, balances, owners, assignment and delivery times) changes nothing
of them; rows that only a service may create or remove cannot be added or
deleted through the admin at all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.forms.widgets import SplitDateTimeWidget
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.models import Purchase
from credits.models import CreditAccount, CreditEntry, CreditKind
from deliveries.models import Delivery
from deliveries.services import queue_email
from invites.models import Invite
from invites.services import GuestInput, generate_invites
from organizations.api_key_services import create_api_key
from organizations.models import ApiKey, Membership, Organization, TeamInvitation
from organizations.services import invite_teammate
from portals.claiming import claim_portal
from portals.emails import PORTAL_LINK
from portals.models import Portal
from tests.conftest import client_for, give_credits

pytestmark = pytest.mark.django_db

LATER = timezone.now() + timedelta(days=400)


@pytest.fixture
def staff(db: Any) -> Client:
    user = get_user_model().objects.create_superuser(
        username="ops", email="ops@artsvp.example", password="x" * 12
    )
    return client_for(user)


def admin_url(obj: Any, action: str = "change") -> str:
    meta = obj._meta
    args = [obj.pk] if action in ("change", "delete") else []
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args)


def change_form_data(staff: Client, obj: Any) -> dict[str, Any]:
    """What the change form would post unchanged: every editable field, every inline."""
    page = staff.get(admin_url(obj))
    assert page.status_code == 200
    data: dict[str, Any] = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms += list(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field.widget, SplitDateTimeWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    if part is not None:
                        data[f"{key}_{index}"] = str(part)
            elif value is True:
                data[key] = "on"
            elif value not in (None, False):
                data[key] = value
    return data


def post_change(staff: Client, obj: Any, **changes: Any) -> Any:
    data = change_form_data(staff, obj)
    for name, value in changes.items():
        if isinstance(value, type(LATER)):
            data[f"{name}_0"], data[f"{name}_1"] = value.date().isoformat(), "12:00:00"
            data[name] = value.isoformat()
        else:
            data[name] = value
    return staff.post(admin_url(obj), data)


def state(obj: Any, fields: list[str]) -> dict[str, Any]:
    fresh = type(obj).objects.get(pk=obj.pk)
    return {name: getattr(fresh, name) for name in fields}


@pytest.fixture
def claimed(org: Organization, portal: Portal) -> Portal:
    give_credits(org, portal=1, invite=5)
    return claim_portal(portal, email="owner@galerie-nord.example")


@pytest.fixture
def invite(claimed: Portal) -> Invite:
    batch = generate_invites(
        claimed, [GuestInput(name="Ada", email="ada@example.com")], method="single"
    )
    return batch.invites.get()


def test_a_portals_status_owner_and_counters_cannot_be_edited(staff, claimed, invite):
    claimed.refresh_from_db()
    fields = ["status", "owner_email", "invites_used", "allocation", "assigned_at", "group_id"]
    before = state(claimed, fields)

    response = post_change(
        staff,
        claimed,
        status="revoked",
        owner_email="thief@example.com",
        invites_used=0,
        allocation=0,
        assigned_at=LATER,
        name="Renamed by staff",
    )

    assert response.status_code == 302, response.content
    assert state(claimed, fields) == before
    # What staff may correct still saves.
    assert Portal.objects.get(pk=claimed.pk).name == "Renamed by staff"


def test_an_invites_answer_and_status_cannot_be_edited(staff, invite):
    fields = ["status", "plus_ones", "responded_at", "portal_id", "revoked_at"]
    before = state(invite, fields)

    response = post_change(
        staff, invite, status="accepted", plus_ones=3, responded_at=LATER, guest_name="Ada L."
    )

    assert response.status_code == 302, response.content
    assert state(invite, fields) == before
    assert Invite.objects.get(pk=invite.pk).guest_name == "Ada L."


def test_a_purchase_status_and_credits_cannot_be_edited(staff, org):
    purchase = Purchase.objects.create(
        organization=org,
        kind=CreditKind.INVITE,
        credits=100,
        unit_price="0.5000",
        total_price="50.00",
        currency="EUR",
    )
    fields = ["status", "credits_granted", "amount_refunded", "paid_at"]
    before = state(purchase, fields)

    response = post_change(
        staff, purchase, status="paid", credits_granted=100, amount_refunded="0", paid_at=LATER
    )

    assert response.status_code == 302, response.content
    assert state(purchase, fields) == before


def test_a_deliverys_status_and_recipient_cannot_be_edited(staff, claimed):
    delivery = queue_email(
        PORTAL_LINK,
        to="hello@galerie-nord.example",
        context={"portal_id": claimed.pk},
        organization=claimed.organization,
    )
    fields = ["status", "attempts", "recipient", "sent_at"]
    before = state(delivery, fields)

    response = post_change(
        staff, delivery, status="sent", attempts=0, recipient="other@example.com", sent_at=LATER
    )

    assert response.status_code in (302, 403), response.content
    assert state(delivery, fields) == before


def test_a_members_role_and_a_team_invitation_cannot_be_edited(staff, org, alice, bob):
    owner = Membership.objects.get(organization=org, user=alice)
    response = post_change(staff, owner, role="member")
    assert response.status_code in (302, 403)
    assert Membership.objects.get(pk=owner.pk).role == "owner"

    invitation = invite_teammate(org, email="dora@example.com", role="member", invited_by=alice)
    response = post_change(
        staff, invitation, role="owner", accepted_at=LATER, email="x@example.com"
    )
    assert response.status_code in (302, 403)
    assert state(invitation, ["role", "accepted_at", "email"]) == {
        "role": "member",
        "accepted_at": None,
        "email": "dora@example.com",
    }

    # The organization page's member rows cannot be edited either.
    data = change_form_data(staff, org)
    data.update({key: "member" for key in list(data) if key.endswith("-role")})
    data.update(
        {key.replace("-id", "-role"): "member" for key in list(data) if key.endswith("-id")}
    )
    staff.post(admin_url(org), data)
    assert Membership.objects.get(pk=owner.pk).role == "owner"


def test_an_events_archive_and_an_api_keys_revocation_cannot_be_edited(staff, org, event, alice):
    response = post_change(staff, event, archived_at=LATER, name="Spring Fair 2")
    assert response.status_code == 302, response.content
    assert state(event, ["archived_at", "name"]) == {"archived_at": None, "name": "Spring Fair 2"}

    key = ApiKey.objects.get(pk=create_api_key(org, name="CRM", created_by=alice).api_key.pk)
    response = post_change(staff, key, revoked_at=LATER)
    assert response.status_code == 302, response.content
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


def test_ledger_entries_and_balances_cannot_be_added_changed_or_deleted(staff, org):
    give_credits(org, invite=10)
    account = CreditAccount.objects.get(organization=org, kind=CreditKind.INVITE)
    entry = CreditEntry.objects.get(account=account)

    assert staff.post(admin_url(entry), {"amount": 1000}).status_code == 403
    assert staff.post(admin_url(account), {"balance": 1000}).status_code == 403
    assert staff.get(admin_url(entry, "add")).status_code == 403
    assert staff.post(admin_url(entry, "delete"), {"post": "yes"}).status_code == 403
    assert staff.post(admin_url(account, "delete"), {"post": "yes"}).status_code == 403
    account.refresh_from_db()
    assert account.balance == 10
    assert CreditEntry.objects.filter(account=account).count() == 1


@pytest.mark.parametrize(
    "model",
    [
        Portal,
        Invite,
        Delivery,
        Purchase,
        CreditEntry,
        Membership,
        TeamInvitation,
        ApiKey,
        Organization,
    ],
)
def test_rows_only_a_service_creates_cannot_be_added_in_the_admin(staff, model):
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    assert staff.get(url).status_code == 403
    assert staff.post(url, {}).status_code == 403


def test_portals_invites_and_deliveries_cannot_be_deleted_in_the_admin(staff, claimed, invite):
    delivery = queue_email(
        PORTAL_LINK,
        to="hello@galerie-nord.example",
        context={"portal_id": claimed.pk},
        organization=claimed.organization,
    )
    for obj in (claimed, invite, delivery):
        assert staff.post(admin_url(obj, "delete"), {"post": "yes"}).status_code == 403
        assert type(obj).objects.filter(pk=obj.pk).exists()
