"""Images as organizers upload them, good and bad, for the brand tests."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# A GPS position and a camera name in EXIF: what must never be served again.
EXIF_SECRET = "Secret Camera 3000"


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (1200, 400), *, exif: bool = False, mode: str = "RGB"
) -> bytes:
    image = Image.new(mode, size, (200, 30, 60) if mode == "RGB" else (200, 30, 60, 128))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x0110] = EXIF_SECRET  # Model
        data[0x0112] = 1  # Orientation
        kwargs["exif"] = data.tobytes()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def png(name: str = "logo.png", size: tuple[int, int] = (1200, 400)) -> SimpleUploadedFile:
    return upload(name, image_bytes("PNG", size))


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)


def bomb_png(side: int = 12_000) -> bytes:
    """A PNG of a few kilobytes that decodes to `side` x `side` pixels."""
    image = Image.new("1", (side, side))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
