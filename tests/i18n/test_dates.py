"""Dates read in the reader's language and order: German puts a period after
the day ("2. Dez. 2026"); the month's name comes from Django's catalogs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

WHEN = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)


def rendered(source: str, code: str) -> str:
    with translation.override(code):
        return Template("{% load language_tags %}" + source).render(Context({"when": WHEN}))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "2 December 2026"),
        ("de", "2. Dezember 2026"),
        ("fr", "2 décembre 2026"),
        ("it", "2 Dicembre 2026"),
        ("es", "2 diciembre 2026"),
    ],
)
def test_a_date_reads_in_the_order_and_words_of_the_language(code: str, expected: str) -> None:
    assert rendered('{{ when|localdate:"j F Y, H:i e" }}', code).startswith(expected)


def test_a_pattern_with_no_order_of_its_own_stays_as_written() -> None:
    assert rendered('{{ when|localdate:"Y-m-d" }}', "de") == "2026-12-02"
