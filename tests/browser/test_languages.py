"""Each reader in their language, in a real Chromium.

A guest's invite in German, French, Italian and Spanish: the page, the answer,
the confirmation email and its calendar file follow the invite's language,
though the guest's browser asks for English. And the issue's "done": a German
guest of a French gallery at a Swiss fair gets a German invite and
confirmation under the fair's logo and colour, from "Galerie Lumière via
Basel Art Week", with the privacy notice; the gallery works in French; the
organizer's team in English.

The expected words are read from the catalogs (gettext under the language),
so a missing or wrong translation fails here, and so does a page that ignores
the language in force.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from door.models import CheckInPass
from events.invite_texts import invite_text
from invites.models import Invite
from invites.services import GuestInput, generate_invites
from organizations.brand_images import ImageKind, process_image
from organizations.brand_services import BrandChanges, update_organization_brand
from tests.browser.test_csp import Watch
from tests.conftest import give_credits
from tests.door.test_confirmations import calendar_of
from tests.invites.helpers import assign
from tests.mail import html_of
from tests.organizations.brand_helpers import image_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ACCENT = "#0b6e4f"
ACCENT_RGB = "rgb(11, 110, 79)"


def words(code: str, message: str, **values: Any) -> str:
    """`message` as the catalog of `code` says it, filled like the templates do."""
    with translation.override(code):
        text = translation.gettext(message)
    if code != "en":
        assert text != message, f"{message!r} has no {code} translation"
    return text % values if values else text


def plural_words(code: str, singular: str, plural: str, count: int) -> str:
    with translation.override(code):
        return translation.ngettext(singular, plural, count) % {"count": count}


def english_browser(browser: Any, locale: str = "en-US") -> Any:
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.mark.parametrize("code", ["de", "fr", "it", "es"])
def test_a_guest_reads_and_answers_the_invite_in_its_language(
    code: str, browser: Any, live_server: Any, shot: Any, org: Any, portal: Any, mailoutbox: Any
) -> None:
    give_credits(org, invite=5)
    assign(portal)
    [invite] = generate_invites(
        portal,
        [GuestInput(name="Anna Muster", email="anna@example.com")],
        method="single",
        language=code,
    ).invites.all()
    assert invite.language == code

    # The guest's browser asks for English: the invite's language wins.
    guest = english_browser(browser)
    watch = Watch(guest)
    watch.visit(live_server.url + invite.path)
    expect(guest.locator("html")).to_have_attribute("lang", code)
    yes = words(code, "Yes, I'll be there")
    expect(guest.get_by_label(yes)).to_be_visible()
    expect(guest.locator(".privacy-notice")).to_contain_text("Galerie Nord")
    shot(guest, f"invite-{code}")

    guest.get_by_label(yes).check()
    guest.get_by_role("button", name=words(code, "Send my answer")).click()
    check_in_pass = CheckInPass.objects.get(invite=invite)
    expect(guest.get_by_text(check_in_pass.display_code)).to_be_visible()
    expect(guest.get_by_role("link", name=words(code, "Calendar file (.ics)"))).to_be_visible()
    shot(guest, f"accepted-{code}")
    watch.collect()
    assert watch.problems == []

    # The confirmation and its calendar entry, in the same language.
    [confirmation] = [m for m in mailoutbox if m.to == ["anna@example.com"]]
    assert confirmation.subject == words(
        code, "Your check-in code for %(event_name)s", event_name=invite.event.name
    )
    assert f'<html lang="{code}"' in html_of(confirmation)
    _part, _calendar, entry = calendar_of(confirmation)
    assert entry["SUMMARY"].params["LANGUAGE"] == code

    # The .ics behind the page's link says so too.
    href = guest.get_by_role("link", name=words(code, "Calendar file (.ics)")).get_attribute("href")
    downloaded = guest.context.request.get(live_server.url + href if href.startswith("/") else href)
    assert downloaded.ok
    assert f"SUMMARY;LANGUAGE={code}:" in downloaded.text()
    guest.context.close()


def test_a_german_guest_of_a_french_gallery_at_a_swiss_fair(
    browser: Any,
    live_server: Any,
    sign_in: Any,
    shot: Any,
    alice: Any,
    org: Any,
    event: Any,
    portal: Any,
    mailoutbox: Any,
) -> None:
    org.name = "Basel Art Week"
    org.save()
    event.name = "Basel Art Week 2027"
    event.timezone = "Europe/Zurich"
    event.language = "de"
    event.other_languages = ["fr", "it", "en"]
    event.save()
    portal.name = "Galerie Lumière"
    portal.contact_email = "bonjour@galerie-lumiere.example"
    portal.save()
    give_credits(org, portal=1, invite=5)
    logo = process_image(
        SimpleUploadedFile("basel.png", image_bytes("PNG", (1200, 300)), "image/png"),
        ImageKind.LOGO,
    )
    update_organization_brand(
        org,
        changes=BrandChanges(
            accent=ACCENT,
            footer_text="Basel Art Week · Messeplatz 10, 4058 Basel",
            privacy_url="https://basel.example/privacy",
            logo=logo,
        ),
    )

    # The organizer's team works in English, whatever the browser says.
    organizer = english_browser(browser, locale="de-CH")
    sign_in(organizer, alice)
    organizer.goto(live_server.url + reverse("organizations:language"))
    expect(organizer.locator("html")).to_have_attribute("lang", "de")
    organizer.get_by_label(words("de", "Language")).select_option("en")
    organizer.get_by_role("button", name=words("de", "Save language")).click()
    organizer.goto(live_server.url + f"/o/{org.slug}/events/{event.slug}/")
    expect(organizer.locator("html")).to_have_attribute("lang", "en")
    shot(organizer, "organizer-in-english")

    # The gallery claims its portal in French (its browser's language) and stays in it.
    gallery = english_browser(browser, locale="fr-FR")
    gallery.goto(live_server.url + portal.path)
    expect(gallery.locator("html")).to_have_attribute("lang", "fr")
    expect(gallery.locator(".privacy-notice")).to_be_visible()
    gallery.get_by_label(words("fr", "Your email address")).fill("bonjour@galerie-lumiere.example")
    gallery.get_by_role("button", name=words("fr", "Claim this portal")).click()
    expect(gallery.get_by_role("heading", name="Galerie Lumière", exact=True)).to_be_visible()
    expect(gallery.locator("html")).to_have_attribute("lang", "fr")
    portal.refresh_from_db()
    assert portal.owner_language == "fr"
    shot(gallery, "gallery-dashboard-in-french")
    # Even what a script writes: the copy button answers in French.
    copy = gallery.locator("button[data-copy]").first
    copy.click()
    expect(copy).to_have_text(words("fr", "Copied"))

    # It invites a German collector: the invite's language is German.
    gallery.get_by_role("link", name=words("fr", "Add your first invites")).click()
    single = gallery.locator("section#single")
    single.get_by_label(words("fr", "Name")).fill("Jonas Weber")
    single.get_by_label(words("fr", "Email")).fill("jonas@example.de")
    single.get_by_label(words("fr", "Language")).select_option("de")
    single.get_by_role("button", name=words("fr", "Create invite")).click()
    invite = Invite.objects.get(guest_email="jonas@example.de")
    assert invite.language == "de"

    # ...and emails it with the standard words, which each guest reads in their language.
    send_link = words("fr", "Email") + " Jonas Weber"
    gallery.get_by_role("link", name=send_link).click()
    gallery.get_by_role("button", name=words("fr", "Preview")).click()
    gallery.get_by_role(
        "button", name=plural_words("fr", "Send %(count)s email", "Send %(count)s emails", 1)
    ).click()
    expect(gallery.locator("html")).to_have_attribute("lang", "fr")
    [invitation] = [m for m in mailoutbox if m.to == ["jonas@example.de"]]
    assert invitation.from_email.startswith("Galerie Lumière via Basel Art Week <")
    assert invitation.reply_to == ["bonjour@galerie-lumiere.example"]
    with translation.override("de"):
        german_subject = invite_text(event, "invite_subject").replace("{{ event }}", event.name)
    assert invitation.subject == german_subject
    assert '<html lang="de"' in html_of(invitation)

    # The German guest, on an English browser: German, under the fair's brand.
    guest = english_browser(browser)
    watch = Watch(guest)
    watch.visit(live_server.url + invite.path)
    expect(guest.locator("html")).to_have_attribute("lang", "de")
    expect(guest.locator("header img.brand-logo")).to_be_visible()
    notice = guest.locator(".privacy-notice")
    expect(notice).to_contain_text("Galerie Lumière")
    expect(notice.get_by_role("link")).to_have_attribute("href", "https://basel.example/privacy")
    accept = guest.get_by_role("button", name=words("de", "Send my answer"))
    expect(accept).to_have_css("background-color", ACCENT_RGB)
    shot(guest, "german-guest-invite")
    guest.get_by_label(words("de", "Yes, I'll be there")).check()
    accept.click()
    check_in_pass = CheckInPass.objects.get(invite=invite)
    expect(guest.get_by_text(check_in_pass.display_code)).to_be_visible()
    shot(guest, "german-guest-accepted")
    watch.collect()
    assert watch.problems == []

    [confirmation] = [m for m in mailoutbox if m.to == ["jonas@example.de"] and m is not invitation]
    assert confirmation.subject == words(
        "de", "Your check-in code for %(event_name)s", event_name=event.name
    )
    html = html_of(confirmation)
    assert '<html lang="de"' in html
    assert "Basel Art Week · Messeplatz 10, 4058 Basel" in html
    assert "Basel Art Week · Messeplatz 10, 4058 Basel" in confirmation.body
    for page in (organizer, gallery, guest):
        page.context.close()
