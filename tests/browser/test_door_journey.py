"""The door on a phone, in a real browser: check-in staff scan a guest's QR code
through the camera (Chromium's fake camera plays a video of the code), see
"checked in", then "already checked in"; with the network cut, the next guest
is recognised from the device's copy and queued, and synced when it returns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import segno
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from door.checkins import check_in
from door.models import CheckIn, CheckInPass, EventGrant
from door.qr import qr_png
from organizations.models import Membership
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    _chromium,
    _running,
    serious_accessibility_violations,
)
from tests.conftest import give_credits, make_user
from tests.door.helpers import accepted_guest
from tests.door.test_confirmations import calendar_of, files
from tests.invites.windows import invites_of

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/door-shots")
WIDTH, HEIGHT = 640, 480


def qr_video(code: str, path: Path, frames: int = 8) -> Path:
    """A YUV4MPEG2 (.y4m) video of `code`'s QR code, drawn from segno's matrix
    and written by hand: grey 4:2:0 frames, 10 per second."""
    matrix = segno.make_qr(code, error="m").matrix
    modules = len(matrix) + 8  # with the quiet zone of 4 modules each side
    scale = (min(WIDTH, HEIGHT) - 40) // modules
    left = (WIDTH - modules * scale) // 2 + 4 * scale
    top = (HEIGHT - modules * scale) // 2 + 4 * scale
    luma = bytearray([255]) * (WIDTH * HEIGHT)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if not dark:
                continue
            for dy in range(scale):
                start = (top + y * scale + dy) * WIDTH + left + x * scale
                luma[start : start + scale] = bytes(scale)
    # Grey: the chroma planes are neutral.
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2))
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path


def camera_browser(video: Path) -> Any:
    """A Chromium whose camera films `video` (the shared one has no camera)."""
    _chromium()
    return _running["playwright"].chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )


@pytest.fixture
def launched() -> Iterator[list[Any]]:
    browsers: list[Any] = []
    yield browsers
    for browser in browsers:
        browser.close()


def phone_page(browser: Any, live_server: Any, storage_state: Any = None) -> Any:
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, storage_state=storage_state
    )
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def snap(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def check_in_staff(event: Any) -> Any:
    user = make_user("lena@example.com")
    user.first_name, user.last_name = "Lena", "Door"
    user.save()
    membership = Membership.objects.create(
        organization=event.organization, user=user, role=Membership.Role.CHECK_IN
    )
    EventGrant.objects.create(
        organization=event.organization,
        event=event,
        membership=membership,
        email=user.email,
        expires_at=timezone.now() + timedelta(days=2),
    )
    return user


def test_check_in_staff_scan_through_the_camera_and_keep_going_offline(
    live_server, sign_in, event, tmp_path, launched, new_page, mailoutbox
):
    # Ada accepts on her invite page, on her phone, and is emailed her check-in code.
    [ada] = invites_of(event, guest_name="Ada Lovelace", guest_email="ada@example.com")
    guest = new_page()
    guest.set_viewport_size({"width": 390, "height": 844})
    guest.goto(live_server.url + ada.path)
    guest.get_by_label("Yes, I'll be there").check()
    guest.get_by_role("button", name="Send my answer").click()
    ada_code = CheckInPass.objects.get(invite=ada).code
    expect(guest.get_by_text(CheckInPass.objects.get(invite=ada).display_code)).to_be_visible()
    [confirmation] = [m for m in mailoutbox if m.to == ["ada@example.com"]]
    attached = files(confirmation)
    assert set(attached) >= {"image/png", "text/calendar"}
    # The QR image is of the check-in code (the camera below reads a QR of it).
    assert attached["image/png"][1] == qr_png(ada_code)
    _part, calendar, entry = calendar_of(confirmation)
    assert calendar["METHOD"] == "REQUEST"
    assert "Spring Fair" in str(entry["SUMMARY"])
    assert ada.token not in attached["image/png"][1].decode("latin-1")
    grace, grace_code = accepted_guest(
        event, name="Grace Hopper", email="grace@example.com", plus_ones=1
    )
    staff = check_in_staff(event)
    door_url = live_server.url + reverse("door:door", args=[event.organization.slug, event.slug])

    first = camera_browser(qr_video(ada_code, tmp_path / "ada.y4m"))
    launched.append(first)
    page = phone_page(first, live_server)
    sign_in(page, staff)
    page.goto(door_url)
    expect(page.get_by_role("heading", name="Door · Spring Fair")).to_be_visible()
    page.get_by_label("Gate").fill("Hall 1 north")
    page.get_by_label("Express mode: a scan lets the guest in at once").check()
    snap(page, "01-door")
    assert serious_accessibility_violations(page) == []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the door page is {overflow}px wider than the phone"

    page.get_by_role("button", name="Start camera").click()
    result = page.locator("#door-result-panel")
    expect(result).to_have_attribute("data-state", "checked_in")
    expect(result).to_contain_text("Checked in")
    expect(result).to_contain_text("Ada Lovelace")
    snap(page, "02-checked-in")
    # The code is still in front of the camera: read again after the debounce.
    expect(result).to_have_attribute("data-state", "already_checked_in", timeout=10_000)
    expect(result).to_contain_text("by Lena Door")
    snap(page, "03-already-checked-in")
    page.get_by_role("button", name="Stop camera").click()
    [row] = CheckIn.objects.filter(invite=ada)
    assert row.gate == "Hall 1 north" and row.device.startswith("phone-")
    assert row.staff == staff
    expect(page.locator("[data-count='checked-in']")).to_have_text("1")

    # The same phone, now filming Grace's code: the device's storage comes along.
    snap_resp = page.request.get(door_url + "snapshot.json")
    print("SNAP", snap_resp.status, snap_resp.text()[:300])
    expect(page.locator("#door")).to_have_attribute("data-snapshot-guests", "2")
    state = page.context.storage_state()
    second = camera_browser(qr_video(grace_code, tmp_path / "grace.y4m"))
    launched.append(second)
    phone = phone_page(second, live_server, storage_state=state)
    phone.goto(door_url)
    expect(phone.locator("#door")).to_have_attribute("data-snapshot-guests", "2")
    expect(phone.get_by_label("Gate")).to_have_value("Hall 1 north")
    phone.context.set_offline(True)
    expect(phone.locator("#door-net")).to_contain_text("Offline")
    phone.get_by_role("button", name="Start camera").click()
    offline = phone.locator("#door-result-panel")
    expect(offline).to_have_attribute("data-state", "checked_in")
    expect(offline).to_contain_text("offline: will sync")
    expect(offline).to_contain_text("Grace Hopper")
    expect(phone.locator("#door-queue")).to_contain_text("1 waiting to sync")
    phone.get_by_role("button", name="Stop camera").click()
    snap(phone, "04-offline-queued")
    assert not CheckIn.objects.filter(invite=grace).exists()
    # A hardware scanner types Ada's code again: the copy knows she is in.
    code_field = phone.get_by_label("Check-in code (type it, or use a hardware scanner)")
    code_field.fill(ada_code)
    code_field.press("Enter")
    expect(offline).to_have_attribute("data-state", "already_checked_in")
    expect(phone.locator("#door-queue")).to_contain_text("2 waiting to sync")

    phone.context.set_offline(False)
    expect(phone.locator("#door-queue")).to_be_hidden()
    expect(phone.locator("[data-count='checked-in']")).to_have_text("2")
    [synced] = CheckIn.objects.filter(invite=grace)
    assert synced.person == 0 and synced.client_ref and synced.staff == staff
    assert synced.scanned_at < synced.created_at
    # First write wins: Ada's second scan is a conflict, shown in the list.
    expect(offline).to_contain_text("Already checked in at")
    conflicts = phone.locator("#door-conflicts")
    expect(conflicts).to_be_visible()
    expect(conflicts).to_contain_text("Ada Lovelace")
    expect(conflicts).to_contain_text("by Lena Door on phone-")
    assert CheckIn.objects.filter(invite=ada).count() == 1
    snap(phone, "05-synced")

    # Signing out deletes what the phone kept.
    phone.locator(".org-switcher > summary").click()
    phone.get_by_role("button", name="Log out").click()
    phone.wait_for_load_state()
    kept = phone.evaluate(
        "Object.keys(localStorage).filter((key) => key.startsWith('artsvp:door:')).length"
    )
    assert kept == 0


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_supervisor_searches_lets_a_party_in_person_by_person_undoes_and_adds_a_walk_in(
    live_server, sign_in, phone, alice, event
):
    party, code = accepted_guest(
        event, name="Grace Hopper", email="grace@navy.example", plus_ones=2, label="Table 7"
    )
    sign_in(phone, alice)
    phone.goto(live_server.url + reverse("door:door", args=[event.organization.slug, event.slug]))
    search = phone.get_by_label("Name, email or label (at least 3 characters)")
    search.fill("Gr")
    expect(phone.locator("#door-search-results")).to_be_empty()
    search.fill("navy")
    found = phone.locator(".door-found-link")
    expect(found).to_contain_text("Grace Hopper")
    expect(found).to_contain_text("party of 3")
    found.click()
    result = phone.locator("#door-result-panel")
    expect(result).to_have_attribute("data-state", "ready")
    phone.get_by_role("button", name="Let in +1").click()
    expect(result).to_have_attribute("data-state", "checked_in")
    expect(phone.get_by_role("button", name="Let in +1")).to_have_count(0)
    expect(result).to_contain_text("1 person in")
    phone.get_by_role("button", name="Undo").click()
    expect(result).to_have_attribute("data-state", "undone")
    expect(phone.get_by_role("button", name="Let in +1")).to_be_visible()
    snap(phone, "06-undone")

    # Offline, without express mode: the copy shows the party and staff tap who comes in.
    expect(phone.locator("#door")).to_have_attribute("data-snapshot-guests", "1")
    phone.context.set_offline(True)
    code_field = phone.get_by_label("Check-in code (type it, or use a hardware scanner)")
    code_field.fill(code)
    code_field.press("Enter")
    expect(result).to_have_attribute("data-state", "ready")
    expect(phone.locator("#door-queue")).to_be_hidden()
    phone.get_by_role("button", name="Let in +2").click()
    expect(result).to_have_attribute("data-state", "checked_in")
    expect(phone.locator("#door-queue")).to_contain_text("1 waiting to sync")
    snap(phone, "07-offline-party")
    phone.context.set_offline(False)
    expect(phone.locator("#door-queue")).to_be_hidden()
    assert list(
        CheckIn.objects.filter(invite=party, kind="check_in", reversed_by__isnull=True).values_list(
            "person", flat=True
        )
    ) == [2]

    phone.locator(".door-walk-in > summary").click()
    phone.get_by_label("Name", exact=True).fill("Walter Walk-in")
    phone.get_by_label("Party size").fill("0")
    phone.get_by_role("button", name="Let the walk-in in").click()
    expect(phone.locator("#door-walk-in")).to_contain_text("A party has between 1 and")
    phone.get_by_label("Party size").fill("2")
    phone.get_by_role("button", name="Let the walk-in in").click()
    expect(result).to_have_attribute("data-state", "checked_in")
    expect(result).to_contain_text("Walter Walk-in")
    expect(phone.locator("[data-count='walk-ins']")).to_have_text("2")
    snap(phone, "08-walk-in")
    assert serious_accessibility_violations(phone) == []

    # The event page shows the same live counts, and the way to the door.
    phone.goto(
        live_server.url + reverse("events:detail", args=[event.organization.slug, event.slug])
    )
    expect(phone.locator("#door-counts [data-count='checked-in']")).to_have_text("3")
    expect(phone.get_by_role("link", name="Open the door")).to_be_visible()
    snap(phone, "09-event-page")


def test_the_exhibitor_sees_their_own_guests_arrive(live_server, new_page, event, portal, alice):
    # The fair is on now: the dashboard's count refreshes by itself.
    event.starts_at = timezone.now() - timedelta(hours=2)
    event.save()
    give_credits(event.organization, portal=1)
    exhibitor = new_page()
    exhibitor.set_viewport_size({"width": 390, "height": 844})
    exhibitor.goto(live_server.url + portal.path)
    exhibitor.get_by_label("Your email address").fill("owner@galerie-nord.example")
    exhibitor.get_by_role("button", name="Claim this portal").click()
    _, mine_code = accepted_guest(event, name="Mina Mine", email="mina@example.com", portal=portal)
    _, also_code = accepted_guest(event, name="Otto Own", email="otto@example.com", portal=portal)
    _, others_code = accepted_guest(event, name="Olga Other", email="olga@example.com")
    for code in (mine_code, others_code):
        check_in(event, code, staff=alice, device="phone-1")

    exhibitor.goto(live_server.url + reverse("owner:dashboard", args=[portal.public_id]))
    arrivals = exhibitor.locator("#owner-arrivals")
    expect(arrivals).to_contain_text("1 of 2 accepted guests arrived")
    row = exhibitor.locator("tr", has_text="Mina Mine")
    expect(row).to_contain_text("Arrived")
    expect(exhibitor.locator("tr", has_text="Otto Own")).not_to_contain_text("Arrived")
    expect(exhibitor.get_by_text("Olga Other")).to_have_count(0)
    snap(exhibitor, "10-exhibitor-arrivals")
    # Otto comes in at the door: the count changes without a reload.
    check_in(event, also_code, staff=alice, device="phone-1")
    expect(arrivals).to_contain_text("2 of 2 accepted guests arrived", timeout=30_000)
