"""The check-in code as a QR code: a PNG for emails, inline SVG for pages.

The QR code holds the check-in code alone (door/models.py), never a link:
a scanner at the door reads it, and a phone camera that opens it finds
nothing to follow. Same input, same matrix: the email's PNG and the guest
page's SVG show the same code.
"""

from __future__ import annotations

import io

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_code(code: str) -> segno.QRCode:
    # A full QR code (not Micro QR, which few scanners read), medium error
    # correction: a cracked phone screen still scans.
    return segno.make_qr(code, error="m")


def qr_png(code: str) -> bytes:
    buffer = io.BytesIO()
    qr_code(code).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def qr_svg(code: str) -> SafeString:
    """Inline SVG markup (no script, no external reference): segno writes only
    paths from the matrix, and the code is from our own alphabet."""
    svg = qr_code(code).svg_inline(scale=6, border=4, dark="#000", light="#fff")
    # Generated markup, no user text in it.
    return mark_safe(svg)
