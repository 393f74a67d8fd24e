"""A world in which every free-text field holds markup, typed as people type it.

Everything is written through the product's own doors: organizers' forms
(HTML POSTs with a logged-in client), the portal owner's and the guest's
pages, the REST API with a key made on the API keys page, and operator
commands only where no page exists (granting credits, a staff account).
Stripe is the local fake of tests/billing/kit.py (the network boundary).

The result names the objects and the signed-in browsers that the page
registry (`pages.py`) needs, and the payloads hand out which field each
payload number went into.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from billing.credit_requests import decline_request, grant_request, request_credits
from billing.models import Bundle, CreditRequest, Purchase
from door.checkins import check_in
from door.models import CheckInPass
from door.walk_ins import add_walk_in
from events.models import EntryWindow, Event
from invites.models import Invite
from organizations.models import Organization, TeamInvitation
from portals.models import InviteType, Portal, PortalGroup
from tests.billing.kit import (
    FakeStripe,
    bought,
    charge_event,
    deliver,
    session_event,
    use_credits,
)
from tests.conftest import PASSWORD, client_for, give_credits, make_user
from tests.organizations.brand_helpers import image_bytes as brand_image
from tests.security.payloads import Payloads

GUEST_PASSWORD = "payload test passphrase 2026"


@dataclass
class World:
    payloads: Payloads
    organization: Organization
    event: Event
    closed_event: Event
    group: PortalGroup
    portal: Portal  # claimed in the `owner` browser
    imported_portal: Portal  # from the CSV import, left unclaimed (its claim lacked credits)
    revoked_portal: Portal
    purchase: Purchase
    invites: dict[str, Invite]  # by state or path: "accepted", "blank_answered", ...
    team_invitation: TeamInvitation
    clients: dict[str, Client]  # by role
    send_ids: dict[str, str] = field(default_factory=dict)  # "organizer"/"owner" -> send id
    api_key: str = ""
    outbox: list[Any] = field(default_factory=list)  # every email the world sent

    @property
    def org_slug(self) -> str:
        return self.organization.slug


def expect(response: Any, *statuses: int) -> Any:
    allowed = statuses or (200, 302, 303)
    assert response.status_code in allowed, (
        f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']} "
        f"answered {response.status_code}: {response.content[:2000]!r}"
    )
    return response


def api_call(key: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
    client = Client()
    response = getattr(client, method)(
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    expect(response, 200, 201)
    return response.json()


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def build_world(stripe: FakeStripe, capture_on_commit: Any) -> World:
    """Stripe's settings point at `stripe` (the caller overrides them).

    `capture_on_commit` is Django's TestCase.captureOnCommitCallbacks: the
    outbox enqueues its sends after commit, and the world's transaction never
    commits, so each step runs its callbacks (eager Celery sends)."""
    p = Payloads()

    def step(client: Client, method: str, url: str, data: Any = None, *statuses: int) -> Any:
        with capture_on_commit(execute=True):
            response = getattr(client, method)(url, data or {})
        return expect(response, *statuses)

    alice = make_user("alice@example.com")
    bob = make_user("bob@example.com")
    make_user("charlie@example.com")
    staff = get_user_model().objects.create_superuser(
        username="staff", email="staff@artsvp.example", password=PASSWORD
    )
    alice_client, bob_client = client_for(alice), client_for(bob)
    clients: dict[str, Client] = {"alice": alice_client, "bob": bob_client, "anonymous": Client()}

    # --- The organization, its team ----------------------------------------------------
    step(
        alice_client, "post", reverse("organizations:create"), {"name": p.text("organization.name")}
    )
    organization = Organization.objects.get()
    slug = organization.slug
    team_invite = reverse("organizations:team_invite", args=[slug])
    dora_email = p.email("signed-up user's email (team member)", kind="svg")
    for email in ("bob@example.com", dora_email, "charlie@example.com"):
        step(alice_client, "post", team_invite, {"email": email, "role": "member"})
    open_email = p.email("team invitation email (open)", kind="img")
    step(alice_client, "post", team_invite, {"email": open_email, "role": "admin"})
    for user_client, email in ((bob_client, "bob@example.com"),):
        token = TeamInvitation.objects.get(email=email).token
        step(user_client, "post", reverse("organizations:invitation", args=[token]))
    # dora signs up with an address that is markup, then accepts her invitation.
    dora_client = Client()
    step(
        dora_client,
        "post",
        reverse("account_signup"),
        {"email": dora_email, "password1": GUEST_PASSWORD, "password2": GUEST_PASSWORD},
    )
    dora_client = client_for(get_user_model().objects.get(email=dora_email))
    token = TeamInvitation.objects.get(email=dora_email).token
    step(dora_client, "post", reverse("organizations:invitation", args=[token]))
    clients["dora"] = dora_client
    charlie = get_user_model().objects.get(email="charlie@example.com")
    clients["charlie"] = client_for(charlie)  # invited, not yet a member
    clients["staff"] = client_for(staff)
    team_invitation = TeamInvitation.objects.get(email=open_email)

    # Operators grant credits (no page does): one portal credit, so the second claim runs short.
    give_credits(organization, portal=1, invite=200)

    # --- Events, groups, portals (organizer pages) -------------------------------------
    event_form = {
        "name": p.text("event.name"),
        "slug": "payload-fair",
        "starts_at": "2031-10-03T11:00",
        "ends_at": "2031-10-05T18:00",
        "timezone": "Europe/Zurich",
        "venue": p.text("event.venue", link=True),
        "capacity": "800",
        "description": p.text("event.description", link=True) + "\n\nSecond paragraph.",
        "rsvp_open": "on",
        "language": "en",
        "other_languages": ["de"],
        "invite_subject": p.text("event.invite_subject"),
        "invite_message": p.text("event.invite_message"),
    }
    step(alice_client, "post", reverse("events:create", args=[slug]), event_form)
    # German is offered now: the edit form has its fields (versions read in German).
    step(
        alice_client,
        "post",
        reverse("events:edit", args=[slug, "payload-fair"]),
        {
            **event_form,
            "description_de": p.text("event.description (Deutsch)", link=True),
            "invite_subject_de": p.text("event.invite_subject (Deutsch)"),
            "invite_message_de": p.text("event.invite_message (Deutsch)"),
        },
    )
    step(
        bob_client,
        "post",
        reverse("events:create", args=[slug]),
        {
            **event_form,
            "name": p.text("closed event.name"),
            "slug": "closed-fair",
            "venue": p.text("closed event.venue"),
            "rsvp_open": "",
        },
    )
    event = Event.objects.get(slug="payload-fair")
    closed_event = Event.objects.get(slug="closed-fair")

    # --- The brand (Settings > Brand, the event's Brand page) ------------------------------
    # File names without "/" (a browser sends the base name only); links that
    # pass as web addresses and carry markup in their query.
    logo_name = p.short("brand.logo file name")[0].split("</")[0] + ".png"
    cover_name = '"' + p.short("brand.cover file name")[0].split("</")[0] + ".jpg"
    step(
        alice_client,
        "post",
        reverse("organizations:brand", args=[slug]),
        {
            "accent": "#063",
            "footer_text": p.text("brand.footer_text (organization)"),
            "privacy_url": "https://fair.example/privacy?"
            + p.email("brand.privacy_url", kind="img"),
            "imprint_url": "https://fair.example/imprint?"
            + p.email("brand.imprint_url", kind="svg"),
            "logo": SimpleUploadedFile(logo_name, brand_image("PNG"), "image/png"),
            "cover": SimpleUploadedFile(cover_name, brand_image("JPEG"), "image/jpeg"),
        },
    )
    step(
        alice_client,
        "post",
        reverse("events:brand", args=[slug, event.slug]),
        {
            "accent": "#8a1538",
            "footer_text": p.text("brand.footer_text (event)"),
            "privacy_url": "",
            "imprint_url": "https://fair.example/event-imprint?"
            + p.email("brand.imprint_url (event)", kind="img"),
        },
    )
    step(
        alice_client,
        "post",
        reverse("portals:group_create", args=[slug, event.slug]),
        {
            "name": p.text("group.name", template=False),
            "kind": "exhibitor",
            "default_allocation": "20",
            "default_plus_ones": "1",
            "instructions": p.text("group.instructions", link=True),
            "instructions_de": p.text("group.instructions (Deutsch)", link=True),
            "share_all_invites": "on",
        },
    )
    group = PortalGroup.objects.get(event=event)
    step(
        bob_client,
        "post",
        reverse("portals:portal_create", args=[slug, group.public_id]),
        {
            "name": p.text("portal.name (form)"),
            "allocation": "15",
            "contact_email": p.email("portal.contact_email (form)"),
        },
    )
    portal = Portal.objects.get(group=group)
    portal_csv = csv_bytes(
        [
            ["name", "allocation", "contact_email"],
            [
                p.text("portal.name (CSV import)"),
                "5",
                p.email("portal.contact_email (CSV)", kind="img"),
            ],
        ]
    )
    import_url = reverse("portals:portal_import", args=[slug, group.public_id])
    step(
        alice_client,
        "post",
        import_url,
        {"file": SimpleUploadedFile("p.csv", portal_csv, "text/csv")},
    )
    step(
        alice_client,
        "post",
        reverse("portals:portal_import_confirm", args=[slug, group.public_id]),
        {"content": base64.b64encode(portal_csv).decode(), "filename": "p.csv"},
    )
    imported_portal = Portal.objects.exclude(pk=portal.pk).get(group=group)
    # The organizer emails the portal its link (the portal-link email).
    step(
        alice_client,
        "post",
        reverse("portals:portal_send_link", args=[slug, portal.public_id]),
    )
    # ... and reminds the imported one from the bulk links page (portal-link-reminder).
    step(
        alice_client,
        "post",
        reverse("portals:bulk_links", args=[slug, group.public_id]),
        {"portal": [imported_portal.public_id], "action": "reminder"},
        302,
    )

    # --- Event staff (door/staff.py): an account checking in one portal's guests, and an
    # address with no account yet (a team invitation and a pending grant).
    erin_email = p.email("event staff email (account)", kind="img")
    erin = make_user(erin_email)
    staff_url = reverse("door:staff", args=[slug, event.slug])
    step(
        alice_client,
        "post",
        staff_url,
        {
            "email": erin_email,
            "role": "check_in",
            "portal": portal.public_id,
            "expires_on": "2031-10-06",
        },
        302,
    )
    step(
        bob_client,
        "post",
        staff_url,
        {
            "email": p.email("event staff email (invited)"),
            "role": "event_manager",
            "expires_on": "2031-10-06",
        },
        302,
    )
    clients["erin"] = client_for(erin)

    # --- An API key, and the API's doors ------------------------------------------------
    response = step(
        alice_client,
        "post",
        reverse("organizations:api_keys", args=[slug]),
        {"name": p.text("api key.name", template=False)},
    )
    key = response.context["new_key"].secret
    api_group = api_call(
        key,
        "post",
        f"/events/{event.public_id}/portal-groups",
        {
            "name": p.text("group.name (API)", template=False),
            "instructions": p.text("group.instructions (API)"),
            "translations": {"de": {"instructions": p.text("group.instructions (API, Deutsch)")}},
            "kind": "sponsor",
        },
    )
    api_portals = api_call(
        key,
        "post",
        f"/portal-groups/{api_group['id']}/portals",
        {"name": p.text("portal.name (API)")},
    )
    # One portal object in, one out; the organizer then revokes it.
    revoked_portal = Portal.objects.get(public_id=api_portals["id"])
    step(
        alice_client,
        "post",
        reverse("portals:portal_revoke", args=[slug, revoked_portal.public_id]),
    )

    # --- The portal owner: claim, code sign-in, invites four ways ------------------------
    owner_email = p.email("portal.owner_email (claim)", kind="svg")
    owner = Client()
    owner_link = reverse("owner:link", args=[portal.token])
    expect(owner.get(owner_link), 200)
    step(owner, "post", owner_link, {"email": owner_email})
    clients["owner"] = owner
    # The second portal's claim finds no portal credit left: the organizer is told.
    stranger = Client()
    step(
        stranger,
        "post",
        reverse("owner:link", args=[imported_portal.token]),
        {"email": p.email("portal.owner_email (failed claim)")},
    )
    # The owner in a second browser, which reads German, asks for a code and types it.
    second = Client(HTTP_ACCEPT_LANGUAGE="de")
    mail_before = len(mail.outbox)
    step(second, "post", reverse("owner:request_code", args=[portal.token]), {"email": owner_email})
    code_mail = mail.outbox[mail_before:]
    code = re.search(r"\b(\d{6})\b", str(code_mail[-1].body)).group(1)
    step(second, "post", reverse("owner:enter_code", args=[portal.token]), {"code": code})
    clients["owner_by_code"] = second
    # The organizer hands the portal to another address and back: the new owner's
    # link and the replaced owner's notice (portal-owner-replaced) go out twice.
    change_owner = reverse("portals:portal_change_owner", args=[slug, portal.public_id])
    step(alice_client, "post", change_owner, {"email": p.email("portal.owner_email (handed)")})
    step(alice_client, "post", change_owner, {"email": owner_email})

    # The owner's sender name: the From line of their invite emails, and its preview.
    step(
        owner,
        "post",
        reverse("owner:sender", args=[portal.public_id]),
        {"sender_name": p.text("portal.sender_name", template=False)},
    )
    add = reverse("owner:add_invites", args=[portal.public_id])
    step(
        owner,
        "post",
        add,
        {
            "method": "single",
            "single-submission": "o1",
            "single-name": p.text("guest.name (owner, one guest)"),
            "single-email": p.email("guest.email (owner, one guest)", kind="img"),
            "single-tags": ", ".join(p.short("tags (owner, one guest)")).replace(",", ";"),
            "single-label": p.text("label (owner, one guest)"),
        },
    )
    step(
        owner,
        "post",
        add,
        {
            "method": "paste",
            "paste-submission": "o2",
            "paste-lines": p.text("guest.name (owner, pasted)", template=False).replace(",", " ")
            + ", paste@example.com",
        },
    )
    owner_csv = csv_bytes(
        [
            ["name", "email", "tags", "label", p.text("metadata key (owner CSV)", template=False)],
            [
                p.text("guest.name (owner, CSV)"),
                "csv-owner@example.com",
                ";".join(p.short("tags (owner CSV)")),
                p.text("label (owner CSV)"),
                p.text("metadata value (owner CSV)"),
            ],
        ]
    )
    step(
        owner,
        "post",
        add,
        {
            "method": "csv",
            "csv-submission": "o3",
            "csv-file": SimpleUploadedFile("g.csv", owner_csv, "text/csv"),
        },
    )
    step(owner, "post", add, {"method": "csv-confirm", "preview": "o3"})
    step(owner, "post", add, {"method": "blank", "blank-submission": "o4", "blank-count": "2"})

    # --- The organizer's own invites, four ways ----------------------------------------
    generate = reverse("invites:organizer_generate", args=[slug, event.slug])
    step(
        alice_client,
        "post",
        generate,
        {
            "method": "single",
            "single-submission": "a1",
            "single-name": p.text("guest.name (organizer, one guest)"),
            "single-email": p.email("guest.email (organizer, one guest)", kind="svg"),
            "single-tags": ", ".join(
                tag.replace(",", " ") for tag in p.short("tags (organizer, one guest)")
            ),
            "single-plus_ones": "2",
        },
    )
    step(
        alice_client,
        "post",
        generate,
        {
            "method": "paste",
            "paste-submission": "a2",
            "paste-lines": p.text("guest.name (organizer, pasted)", template=False).replace(
                ",", " "
            )
            + ", pasted@example.com\n"
            + "Declining Guest, decline@example.com\nRevoked Guest, revoke@example.com",
            "paste-plus_ones": "0",
        },
    )
    organizer_csv = csv_bytes(
        [
            ["name", "email", "tags", p.text("metadata key (organizer CSV)", template=False)],
            [
                p.text("guest.name (organizer, CSV)"),
                "csv-organizer@example.com",
                ";".join(p.short("tags (organizer CSV)")),
                p.text("metadata value (organizer CSV)"),
            ],
        ]
    )
    step(
        alice_client,
        "post",
        generate,
        {
            "method": "csv",
            "csv-submission": "a3",
            "csv-file": SimpleUploadedFile("g.csv", organizer_csv, "text/csv"),
            "csv-plus_ones": "0",
        },
    )
    step(alice_client, "post", generate, {"method": "csv-confirm", "preview": "a3"})
    step(
        alice_client,
        "post",
        generate,
        {
            "method": "blank",
            "blank-submission": "a4",
            "blank-count": "3",
            "blank-plus_ones": "1",
            "blank-label": p.text("label (organizer, blank links)"),
        },
    )
    closed_generate = reverse("invites:organizer_generate", args=[slug, closed_event.slug])
    step(
        alice_client,
        "post",
        closed_generate,
        {
            "method": "single",
            "single-submission": "c1",
            "single-name": p.text("guest.name (closed event)"),
            "single-plus_ones": "0",
        },
    )

    # --- The API's invites --------------------------------------------------------------
    api_guest = {
        "name": p.text("guest.name (API, event)"),
        "email": p.email("guest.email (API)", kind="img"),
        "tags": p.short("tags (API)"),
        "label": p.text("label (API)"),
        "metadata": {
            p.text("metadata key (API)", template=False): p.text("metadata value (API)"),
            "nested": {"html": p.text("metadata nested value (API)")},
        },
    }
    api_call(key, "post", f"/events/{event.public_id}/invites", {"guests": [api_guest]})
    api_call(
        key,
        "post",
        f"/portals/{portal.public_id}/invites",
        {"guests": [{"name": p.text("guest.name (API, portal)")}]},
    )

    # --- Guests answer -----------------------------------------------------------------
    def invite(**filters: Any) -> Invite:
        found = Invite.objects.filter(**filters).order_by("created_at", "id").first()
        assert found is not None, filters
        return found

    blanks = list(
        Invite.objects.filter(
            portal__isnull=True, event=event, guest_name="", guest_email=""
        ).order_by("id")
    )
    guest = Client()
    step(guest, "get", reverse("invites:guest", args=[blanks[0].token]))
    step(
        guest,
        "post",
        reverse("invites:guest", args=[blanks[0].token]),
        {
            "name": p.text("guest.name (blank link, answered by the guest)"),
            "email": p.email("guest.email (blank link)", kind="svg"),
            "answer": "accept",
            "plus_ones": "1",
        },
    )
    owner_blank = invite(portal=portal, guest_name="", guest_email="")
    step(
        guest,
        "post",
        reverse("invites:guest", args=[owner_blank.token]),
        {
            "name": p.text("guest.name (owner's blank link, answered)"),
            "email": "blank-owner@example.com",
            "answer": "accept",
        },
    )
    declining = invite(guest_email="decline@example.com")
    # Accepted first, then declined: the door's confirmation, then its cancellation.
    step(guest, "post", reverse("invites:guest", args=[declining.token]), {"answer": "accept"})
    step(guest, "post", reverse("invites:guest", args=[declining.token]), {"answer": "decline"})
    revoked = invite(guest_email="revoke@example.com")
    step(
        alice_client,
        "post",
        reverse("invites:organizer_revoke", args=[slug, event.slug, revoked.public_id]),
    )
    opened_named = invite(
        guest_name__startswith="<script>alert",
        portal__isnull=True,
        event=event,
        batch__method="single",
    )
    step(guest, "get", reverse("invites:guest", args=[opened_named.token]))

    # --- Entry windows, a multi-use link, answers waiting for approval -----------------
    # The window and the types are rows (their organizer pages are another
    # feature's); the answers go through the guest's pages and the decisions
    # through the guest list's buttons, which email the guests.
    EntryWindow.objects.create(
        organization=organization,
        event=event,
        label=p.short("entry window.label")[0],
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        capacity=500,
    )
    listed = InviteType.objects.create(
        organization=organization,
        group=group,
        code="guest-list",
        name=p.short("invite type.name")[1],
        needs_approval=True,
        plus_ones_allowed=1,
        position=9,
    )
    owner_batch = invite(portal=portal, batch__method="single").batch
    link = Invite.objects.create(
        organization=organization,
        event=event,
        batch=owner_batch,
        portal=portal,
        label=p.text("invite.label (multi-use link)"),
        uses=5,
        plus_ones_allowed=1,
        invite_type=invite(portal=portal, batch__method="single").invite_type,
        shared_with_organizer=True,
    )
    step(
        guest,
        "post",
        reverse("invites:guest", args=[link.token]),
        {
            "name": p.text("guest.name (multi-use link answer)"),
            "email": p.email("guest.email (multi-use link answer)", kind="img"),
            "plus_ones": "1",
        },
    )
    waiting = [
        Invite.objects.create(
            organization=organization,
            event=event,
            batch=owner_batch,
            portal=portal,
            guest_name=p.text(f"guest.name (needs approval {n})"),
            guest_email=p.email(f"guest.email (needs approval {n})", kind="svg"),
            invite_type=listed,
            needs_approval=True,
            plus_ones_allowed=1,
            shared_with_organizer=True,
        )
        for n in range(3)
    ]
    for pending in waiting:
        step(guest, "post", reverse("invites:guest", args=[pending.token]), {"answer": "accept"})
    for verb, pending in (("approve", waiting[0]), ("decline", waiting[1])):
        step(
            alice_client,
            "post",
            reverse(f"invites:{verb}", args=[slug, event.slug, pending.public_id]),
        )

    # --- Emails: the organizer's and the owner's send forms, and the API's ------------
    subject = p.text("email.subject (organizer)") + " {{ name }} {{ event }}"
    message = (
        p.text("email.message (organizer)", link=True)
        + "\n\n{{ name }}, {{ portal }} invites you to {{ event }}."
    )
    to_email = [
        invite(batch__method="single", portal__isnull=True, event=event),
        invite(guest_email__startswith='"', batch__method="api"),
        invite(pk=blanks[0].pk),
    ]
    send = reverse("invites:send", args=[slug, event.slug])
    response = step(
        alice_client,
        "post",
        send,
        {
            "invite": [i.public_id for i in to_email],
            "step": "send",
            "subject": subject,
            "message": message,
        },
    )
    send_ids = {"organizer": response["Location"].split("send=")[-1]}
    owner_guest = invite(portal=portal, batch__method="single")
    step(
        owner,
        "post",
        reverse("owner:send", args=[portal.public_id]),
        {
            "invite": [owner_guest.public_id],
            "step": "send",
            "subject": p.text("email.subject (owner)"),
            "message": p.text("email.message (owner)") + "\n{{ name }} {{ portal }}",
        },
    )
    from deliveries.models import Delivery

    owner_send = Delivery.objects.filter(invite__portal=portal).exclude(send_id="").first()
    if owner_send is not None:
        send_ids["owner"] = owner_send.send_id
    csv_guest = invite(batch__method="csv", portal__isnull=True)
    with capture_on_commit(execute=True):
        api_call(
            key,
            "post",
            f"/invites/{csv_guest.public_id}/send",
            {"subject": p.text("email.subject (API)"), "message": p.text("email.message (API)")},
        )

    # --- A purchase through Stripe (the fake), paid, then refunded after use ----------
    bundle = Bundle.objects.update_or_create(
        kind="invite", credits=120, currency="EUR", defaults={"price": "36.00", "active": True}
    )[0]
    purchase = bought(alice_client, organization, bundle)
    stripe.complete(purchase.stripe_checkout_session_id)
    with capture_on_commit(execute=True):
        expect(deliver(session_event("checkout.session.completed", purchase)), 200)
    purchase.refresh_from_db()
    # Most of its credits are used before the refund, which then cannot take
    # them all back: staff are alerted (the purchase-attention email).
    use_credits(organization, "invite", 300)
    with capture_on_commit(execute=True):
        expect(
            deliver(charge_event(purchase, amount_refunded=int(purchase.total_price * 100))), 200
        )
    # Credit requests (asked while buying online is off; payloads in the note reach
    # the operators' email), one declined and one granted (the requester's emails).
    # The granted portal credit resolves the failed claim above: its claimant is told.
    with capture_on_commit(execute=True):
        for kind in ("invite", "portal"):
            request_credits(
                organization,
                kind=kind,
                credits=1,
                note=p.text("credit request.note"),
                requested_by=alice,
            )
        decline_request(CreditRequest.objects.get(kind="invite"))
        grant_request(CreditRequest.objects.get(kind="portal"))
    # Used again at once: the pages below still meet a claim without credits.
    use_credits(organization, "portal", 1)
    # Every password reset email too (allauth's own).
    step(Client(), "post", reverse("account_reset_password"), {"email": "alice@example.com"})

    # --- Invite types and entry windows (organizer pages), on the closed event: its
    # guests never answer, so a window admitting only a type changes no other step.
    step(
        alice_client,
        "post",
        reverse("portals:group_create", args=[slug, closed_event.slug]),
        {
            "name": p.short("types group.name")[0],
            "kind": "exhibitor",
            "default_allocation": "5",
            "default_plus_ones": "0",
        },
    )
    types_group = PortalGroup.objects.get(event=closed_event)
    step(
        alice_client,
        "post",
        reverse("portals:type_create", args=[slug, types_group.public_id]),
        {
            "name": p.short("invite type.name")[0],
            "code": "vip-preview",
            "default_allocation": "10",
            "plus_ones_allowed": "1",
            "golden": "on",
        },
    )
    day = closed_event.starts_at.date().isoformat()
    step(
        alice_client,
        "post",
        reverse("portals:window_create", args=[slug, closed_event.slug]),
        {
            "label": p.short("entry window.label")[1],
            "starts_at": f"{day}T11:00",
            "ends_at": f"{day}T15:00",
            "capacity": "200",
            "invite_types": [
                str(pk) for pk in types_group.invite_types.values_list("pk", flat=True)
            ],
        },
    )

    # --- The door (door/checkins.py, door/walk_ins.py): the approved guest checked in
    # (a supervisor lets them in outside their window) and a walk-in, so that the guest
    # list, the CSVs and the portal owner's page show arrivals.
    arrived = Invite.objects.get(pk=waiting[0].pk)
    arrived_pass = CheckInPass.objects.get_or_create(organization=organization, invite=arrived)[0]
    check_in(
        event,
        arrived_pass.code,
        staff=alice,
        override=True,
        supervisor=True,
        device=p.short("check-in.device")[0],
    )
    add_walk_in(
        event,
        name=p.text("walk-in.name"),
        staff=alice,
        let_in_by=p.short("walk-in.let_in_by")[0],
    )

    invites = {
        "organizer_opened": Invite.objects.get(pk=opened_named.pk),
        "blank_unanswered": blanks[1],
        "blank_answered": Invite.objects.get(pk=blanks[0].pk),
        "owner_blank_answered": Invite.objects.get(pk=owner_blank.pk),
        "declined": Invite.objects.get(pk=declining.pk),
        "revoked": Invite.objects.get(pk=revoked.pk),
        "owner_single": owner_guest,
        "owner_csv": invite(portal=portal, batch__method="csv"),
        "organizer_csv": csv_guest,
        "api": invite(batch__method="api", portal__isnull=True),
        "api_portal": invite(batch__method="api", portal=portal),
        "closed_event": invite(event=closed_event),
        "paste": invite(batch__method="paste", portal__isnull=True),
        "multi_use_link": Invite.objects.get(pk=link.pk),
        "link_answer": invite(parent=link),
        "approved": Invite.objects.get(pk=waiting[0].pk),
        "pending": Invite.objects.get(pk=waiting[2].pk),
    }
    missing = [name for name, value in invites.items() if value is None]
    assert not missing, f"the world lacks invites: {missing}"
    portal.refresh_from_db()
    imported_portal.refresh_from_db()
    revoked_portal.refresh_from_db()
    return World(
        payloads=p,
        organization=organization,
        event=event,
        closed_event=closed_event,
        group=group,
        portal=portal,
        imported_portal=imported_portal,
        revoked_portal=revoked_portal,
        purchase=purchase,
        invites=invites,
        team_invitation=team_invitation,
        clients=clients,
        send_ids=send_ids,
        api_key=key,
        outbox=list(mail.outbox),
    )
