"""The translation catalogs: locale/<code>/LC_MESSAGES/django.po, written by
`make messages` (Django's makemessages) and compiled here to the .mo files
Django reads.

polib compiles them, so a machine without GNU gettext (a bare laptop, the
slim Docker image) still gets every language: `make setup`, the Docker build
and the test session run `python -m artsvp.catalogs`. A .mo newer than its
.po is left alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"


def catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def compile_catalogs(locale_dir: Path = LOCALE_DIR, *, force: bool = False) -> list[Path]:
    """Compile every stale catalog; returns the .mo files written."""
    written = []
    for po_path in catalogs(locale_dir):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalog = polib.pofile(str(po_path))
        # Like msgfmt: a fuzzy entry is a guess, never shown to a reader.
        for entry in catalog.fuzzy_entries():
            catalog.remove(entry)
        catalog.save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_catalogs(force="--force" in sys.argv):
        print(f"compiled {path.relative_to(BASE_DIR)}")
