"""The organization's brand: its rules (organizations/brand.py), its images
(organizations/brand_images.py), its settings page and the accent stylesheet."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from organizations.brand import (
    BrandError,
    check_accent,
    contrast_ratio,
    normalize_colour,
    organization_brand,
)
from organizations.brand_images import MAX_UPLOAD_BYTES, ImageKind, ImageRefused, process_image
from organizations.models import Membership, OrganizationBrand
from tests.organizations.brand_helpers import (
    EXIF_SECRET,
    SVG,
    bomb_png,
    image_bytes,
    png,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db


def brand_url(org) -> str:
    return reverse("organizations:brand", args=[org.slug])


def post_brand(client, org, **data):
    fields = {"accent": "", "footer_text": "", "privacy_url": "", "imprint_url": "", **data}
    return client.post(brand_url(org), fields)


# --- The accent colour ------------------------------------------------------------


def test_contrast_is_computed_as_wcag_defines_it():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    # WCAG's own example values: #767676 on white is the lightest grey that passes AA.
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") < 4.5


def test_short_and_long_hex_are_stored_as_lowercase_rrggbb():
    assert normalize_colour("#1A5") == "#11aa55"
    assert normalize_colour("1a2B3c") == "#1a2b3c"
    with pytest.raises(BrandError):
        normalize_colour("red")
    with pytest.raises(BrandError):
        normalize_colour("#12345")


def test_a_light_accent_is_refused_with_the_ratio_and_what_is_needed():
    with pytest.raises(BrandError) as refused:
        check_accent("#ffcc00")
    message = str(refused.value)
    assert "#ffcc00" in message
    assert "1.5" in message  # its ratio against white, 1.58:1 rounded down
    assert "4.5:1" in message
    assert refused.value.field == "accent"


def test_a_ratio_just_under_the_threshold_never_reads_as_meeting_it():
    # #8c7070 is 4.4999:1: refused, and shown rounded down, never as "4.50".
    with pytest.raises(BrandError) as refused:
        check_accent("#8c7070")
    assert "4.49:1" in str(refused.value)
    assert check_accent("#767676") == "#767676"


def test_the_brand_page_refuses_a_low_contrast_colour_and_saves_nothing(alice_client, org):
    response = post_brand(alice_client, org, accent="#ffcc00", footer_text="Messe Basel")
    assert response.status_code == 400
    page = response.content.decode()
    assert "WCAG AA needs at least 4.5:1" in page
    assert not OrganizationBrand.objects.filter(organization=org).exists()


def test_the_brand_page_saves_a_short_hex_as_rrggbb(alice_client, org):
    response = post_brand(alice_client, org, accent="#063", footer_text="Messe Basel, 4058 Basel")
    assert response.status_code == 302
    brand = organization_brand(org)
    assert brand.accent == "#006633"
    assert brand.footer_text == "Messe Basel, 4058 Basel"


def test_links_must_be_web_addresses(alice_client, org):
    response = post_brand(alice_client, org, privacy_url="javascript:alert(1)")
    assert response.status_code == 400
    assert "Enter a web address" in response.content.decode()
    response = post_brand(
        alice_client, org, privacy_url="https://fair.example/privacy", imprint_url="http://x.ch/i"
    )
    assert response.status_code == 302
    assert organization_brand(org).privacy_url == "https://fair.example/privacy"


# --- Images -------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_a_good_image_is_shrunk_into_its_box_and_encoded_afresh(fmt, extension):
    source = image_bytes(fmt, (2400, 1200), exif=True)
    assert EXIF_SECRET.encode() in source
    result = process_image(upload(f"photo.{extension}", source), ImageKind.LOGO)
    assert (result.width, result.height) == (400, 200)  # 2:1 into 600 x 200
    assert result.extension == extension
    assert result.content != source
    assert EXIF_SECRET.encode() not in result.content
    with Image.open(io.BytesIO(result.content)) as stored:
        assert stored.format == fmt
        assert stored.size == (400, 200)
        assert not stored.getexif()


def test_a_small_image_is_never_enlarged_and_a_cover_gets_its_wider_box():
    assert process_image(png(size=(120, 40)), ImageKind.LOGO).width == 120
    cover = process_image(png(size=(3200, 1200)), ImageKind.COVER)
    assert (cover.width, cover.height) == (1600, 600)


def test_transparency_of_a_png_logo_is_kept():
    source = image_bytes("PNG", (300, 100), mode="RGBA")
    result = process_image(upload("logo.png", source), ImageKind.LOGO)
    with Image.open(io.BytesIO(result.content)) as stored:
        assert stored.mode == "RGBA"


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("logo.svg", SVG, "not one"),
        # A text file named and typed as a PNG: the bytes decide.
        ("logo.png", b"just some text, not an image\n" * 10, "not one"),
        ("logo.gif", image_bytes("GIF", (50, 50)), "not one"),
        ("logo.png", image_bytes("PNG")[:200], "not one"),  # truncated
        ("bomb.png", bomb_png(6000), "million pixels"),
        ("bomb.png", bomb_png(16000), "million pixels"),  # past Pillow's own limit
    ],
)
def test_a_bad_image_is_refused_with_a_reason(name, content, says):
    with pytest.raises(ImageRefused) as refused:
        process_image(upload(name, content), ImageKind.LOGO)
    assert says in str(refused.value)


def test_a_file_over_two_megabytes_is_refused_before_it_is_decoded():
    big = upload("big.png", b"\x89PNG" + b"0" * MAX_UPLOAD_BYTES)
    with pytest.raises(ImageRefused) as refused:
        process_image(big, ImageKind.LOGO)
    assert "2.0" in str(refused.value) and "MB" in str(refused.value)


@pytest.mark.parametrize(
    "bad",
    [
        upload("logo.svg", SVG, "image/svg+xml"),
        upload("renamed.png", b"<html>not an image</html>", "image/png"),
        upload("big.png", b"\x89PNG" + b"0" * MAX_UPLOAD_BYTES, "image/png"),
        upload("bomb.png", bomb_png(6000), "image/png"),
    ],
    ids=["svg", "renamed-text", "too-big", "bomb"],
)
def test_a_bad_upload_on_the_page_is_a_field_error_and_changes_nothing(alice_client, org, bad):
    post_brand(alice_client, org, accent="#006633", logo=png("first.png"))
    before = OrganizationBrand.objects.get(organization=org)
    files_before = stored_files()
    response = post_brand(alice_client, org, accent="#123456", footer_text="changed", logo=bad)
    assert response.status_code == 400
    assert 'id="id_logo_error"' in response.content.decode()
    after = OrganizationBrand.objects.get(organization=org)
    assert (after.accent, after.logo.name, after.footer_text) == (
        before.accent,
        before.logo.name,
        before.footer_text,
    )
    assert stored_files() == files_before


def test_an_upload_is_stored_re_encoded_under_a_name_the_code_chose(alice_client, org):
    source = image_bytes("JPEG", (1800, 600), exif=True)
    name = "<img src=x onerror=alert(1)>.jpg"
    response = post_brand(alice_client, org, logo=upload(f"../../etc/{name}", source))
    assert response.status_code == 302
    brand = OrganizationBrand.objects.get(organization=org)
    assert brand.logo.name.startswith("brand/") and brand.logo.name.endswith(".jpg")
    assert "img" not in brand.logo.name and ".." not in brand.logo.name
    assert brand.logo_name == name
    [stored] = stored_files()
    data = stored.read_bytes()
    assert EXIF_SECRET.encode() not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (600, 200)
    # The page shows the organizer's file name back, escaped.
    page = alice_client.get(brand_url(org)).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;.jpg" in page
    assert "<img src=x" not in page


def test_replacing_and_removing_a_logo_deletes_the_old_file_after_commit(
    alice_client, org, django_capture_on_commit_callbacks
):
    post_brand(alice_client, org, logo=png("one.png"))
    [first] = stored_files()
    with django_capture_on_commit_callbacks(execute=True):
        post_brand(alice_client, org, logo=png("two.png"))
    [second] = stored_files()
    assert second != first
    with django_capture_on_commit_callbacks(execute=True):
        post_brand(alice_client, org, remove_logo="on")
    assert stored_files() == []
    assert OrganizationBrand.objects.get(organization=org).logo.name == ""


# --- The page: who may open it ------------------------------------------------------


def test_members_may_not_open_the_brand_page_and_outsiders_get_404(
    org, bob_client, charlie_client, other_org
):
    assert bob_client.get(brand_url(org)).status_code == 403
    assert post_brand(bob_client, org, accent="#000000").status_code == 403
    assert charlie_client.get(brand_url(org)).status_code == 404
    assert post_brand(charlie_client, org, accent="#000000").status_code == 404
    assert not OrganizationBrand.objects.filter(organization=org).exists()


def test_an_admin_may_set_the_brand(org, bob, bob_client):
    Membership.objects.filter(organization=org, user=bob).update(role=Membership.Role.ADMIN)
    assert bob_client.get(brand_url(org)).status_code == 200
    assert post_brand(bob_client, org, accent="#000000").status_code == 302


def test_the_empty_brand_page_explains_what_is_missing_and_offers_a_preview(alice_client, org):
    page = alice_client.get(brand_url(org)).content.decode()
    assert "No logo yet" in page
    assert "No cover image yet" in page
    assert 'id="brand-preview"' in page
    assert "js/brand-preview.js" in page
    assert "style=" not in page  # the CSP allows no inline style


# --- The stylesheet -----------------------------------------------------------------


def test_the_accent_stylesheet_is_named_by_its_colour_and_cached_for_good(client):
    response = client.get(reverse("organizations:brand_css", args=["006633"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert "--brand: #006633;" in response.content.decode()
    assert "immutable" in response["Cache-Control"]
    assert "max-age=31536000" in response["Cache-Control"]


@pytest.mark.parametrize("colour", ["ffcc00", "zzzzzz", "FFFFFF", "abc", "006633;x"])
def test_the_stylesheet_exists_only_for_colours_a_brand_may_have(client, colour):
    assert client.get(f"/brand/{colour}.css").status_code == 404
