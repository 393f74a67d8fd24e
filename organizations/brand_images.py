"""Brand images: what an uploaded logo or cover must be, and what is kept of it.

The bytes decide, never the file's name or the browser's content type:
Pillow opens the data, and only a PNG, JPEG or WebP image is accepted (never
SVG, which is a document that can carry script). Nothing uploaded is stored
as it came: the image is decoded, turned upright (its EXIF orientation),
shrunk into its box and encoded afresh without metadata (no EXIF, no GPS
position, no comments), under a random name the code chose.

The boxes are twice the largest size the pages show, for sharp high-density
screens: a logo sits in the 60 px high page header and above emails, at most
300 x 100 CSS px, so 600 x 200; a cover spans the guest page's column (up to
800 CSS px wide, a 8:3 banner), so 1600 x 600. Images are only ever shrunk.

A decompression bomb (a small file that decodes to a huge image) is refused
from its header, before any pixel is decoded: at most MAX_SOURCE_PIXELS.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from enum import Enum

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# 25 megapixels: every camera photo of today, a little more than an 8K screen.
MAX_SOURCE_PIXELS = 25_000_000
# Pillow's own names of the formats accepted, and the extension each is stored under.
ACCEPTED_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
MAX_NAME_LENGTH = 200


class ImageKind(Enum):
    LOGO = (600, 200)
    COVER = (1600, 600)

    @property
    def box(self) -> tuple[int, int]:
        return self.value


class ImageRefused(Exception):
    """The upload is not a brand image; the message says why, for the form."""


@dataclass(frozen=True)
class BrandImage:
    """An image ready to store: encoded afresh, with its new size."""

    content: bytes
    extension: str
    width: int
    height: int
    # The organizer's file name, shown back to them (never a storage name).
    original_name: str


def _refuse_unreadable() -> ImageRefused:
    return ImageRefused(gettext("Upload a PNG, JPEG or WebP image. This file is not one."))


def _read_limited(upload: UploadedFile) -> bytes:
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise _too_big(upload.size)
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_big(len(data))
    return data


def _too_big(size: int) -> ImageRefused:
    return ImageRefused(
        gettext("This file is %(size)s; an image may be at most %(max)s.")
        % {"size": filesizeformat(size), "max": filesizeformat(MAX_UPLOAD_BYTES)}
    )


def _too_many_pixels(dimensions: str) -> ImageRefused:
    limit = MAX_SOURCE_PIXELS // 10**6
    if dimensions:
        return ImageRefused(
            gettext(
                "This image is %(dimensions)s pixels; at most %(max)d million pixels are "
                "accepted. Make it smaller first."
            )
            % {"dimensions": dimensions, "max": limit}
        )
    return ImageRefused(
        gettext("This image has more than %(max)d million pixels. Make it smaller first.")
        % {"max": limit}
    )


def _encode(image: Image.Image, source_format: str) -> tuple[bytes, str]:
    """`image` encoded in its source's format (a JPEG stays a JPEG: photos
    compress best so; a PNG or WebP keeps its transparency), nothing else written."""
    has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
    if source_format == "JPEG":
        image = image.convert("RGB")
    else:
        image = image.convert("RGBA" if has_alpha else "RGB")
    # A fresh image: none of the source's metadata (EXIF, ICC, text chunks) travels.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    if source_format == "JPEG":
        clean.save(out, format="JPEG", quality=88, optimize=True)
    elif source_format == "WEBP":
        clean.save(out, format="WEBP", quality=88, method=4)
    else:
        clean.save(out, format="PNG", optimize=True)
    return out.getvalue(), ACCEPTED_FORMATS[source_format]


def process_image(upload: UploadedFile, kind: ImageKind) -> BrandImage:
    """The upload decoded, checked, shrunk into `kind`'s box and re-encoded,
    or ImageRefused (too big, not one of the formats, a decompression bomb)."""
    data = _read_limited(upload)
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, on images past its own pixel limit: both refuse.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                source_format = opened.format or ""
                if source_format not in ACCEPTED_FORMATS:
                    raise _refuse_unreadable()
                width, height = opened.size
                if width * height > MAX_SOURCE_PIXELS:
                    raise _too_many_pixels(f"{width} x {height}")
                # Decodes every pixel now: a truncated or corrupt file fails here.
                opened.load()
                image = ImageOps.exif_transpose(opened)
                image.thumbnail(kind.box, Image.Resampling.LANCZOS)
                content, extension = _encode(image, source_format)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Past Pillow's own limit, before its size could even be read back.
        raise _too_many_pixels("") from None
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise _refuse_unreadable() from None
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1][:MAX_NAME_LENGTH]
    return BrandImage(
        content=content,
        extension=extension,
        width=image.width,
        height=image.height,
        original_name=name,
    )
