"""The translation catalogs are complete and match the code.

Every language misses no message (no empty or fuzzy entry), keeps every
placeholder and tag of the English, and `make messages` (Django's
makemessages, run on a copy of the code) writes exactly the committed files:
a string added to a template or to Python without its translations fails here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from artsvp.catalogs import BASE_DIR, LOCALE_DIR, catalogs
from tests.i18n.template_strings import findings

TRANSLATED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\{ ?\w+ ?\}\}|\{\w*\}")
TAG = re.compile(r"</?[a-zA-Z][\w-]*")


def catalog(code: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / code / "LC_MESSAGES" / "django.po"), wrapwidth=0)


def shape(text: str) -> tuple[list[str], list[str]]:
    return sorted(PLACEHOLDER.findall(text)), sorted(TAG.findall(text))


def test_every_language_of_the_site_has_a_catalog() -> None:
    assert sorted(path.parts[-3] for path in catalogs()) == sorted(TRANSLATED)


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated(code: str) -> None:
    po = catalog(code)
    missing = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not missing, f"{len(missing)} messages without a {code} translation: {missing[:10]}"
    assert not fuzzy, (
        f"{len(fuzzy)} fuzzy {code} translations (check, then drop the flag): {fuzzy[:10]}"
    )
    assert po.metadata["Language"] == code


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_every_placeholder_and_tag(code: str) -> None:
    wrong = []
    for entry in catalog(code).translated_entries():
        if entry.msgid_plural:
            pairs = [
                (entry.msgid_plural if n else entry.msgid, text)
                for n, text in entry.msgstr_plural.items()
            ]
            # A language's singular may say "one" instead of %(count)s.
            pairs = [(source, text) for source, text in pairs if source == entry.msgid_plural]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            if shape(source) != shape(text):
                wrong.append((source, text))
    assert not wrong, (
        f"{len(wrong)} {code} translations lose or add a placeholder or tag: {wrong[:5]}"
    )


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalog_is_the_one_django_reads(code: str) -> None:
    entry = next(
        e for e in catalog(code).translated_entries() if not e.msgid_plural and not e.msgctxt
    )
    with translation.override(code):
        assert translation.gettext(entry.msgid) == entry.msgstr


def test_no_template_has_untranslated_text() -> None:
    found = findings()
    assert not found, f"{len(found)} untranslated strings:\n" + "\n".join(map(str, found[:40]))


IGNORED = shutil.ignore_patterns(
    ".*",
    "__pycache__",
    "media",
    "staticfiles",
    "test-artifacts",
    "node_modules",
    "*.mo",
    "*.sqlite3",
)


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
    reason="makemessages needs GNU gettext (apt-get install gettext); CI has it",
)
def test_makemessages_leaves_no_diff(tmp_path: Path) -> None:
    copy = tmp_path / "artsvp"
    shutil.copytree(BASE_DIR, copy, ignore=IGNORED, symlinks=True)
    options = re.search(
        r"^MESSAGES_OPTIONS := (.*?)(?<!\\)$", (BASE_DIR / "Makefile").read_text(), re.M | re.S
    )
    assert options, "the Makefile's MESSAGES_OPTIONS"
    arguments = options.group(1).replace("\\\n", " ").split()
    locales = [arg for code in TRANSLATED for arg in ("-l", code)]
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", *locales, *arguments],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "x",
        },
    )
    stale = [
        code
        for code in TRANSLATED
        if (copy / "locale" / code / "LC_MESSAGES" / "django.po").read_text()
        != (LOCALE_DIR / code / "LC_MESSAGES" / "django.po").read_text()
    ]
    assert not stale, f"run `make messages` and translate the new strings: {stale} are out of date"
