"""Dates and numbers read in the reader's language: German puts a period after
the day ("2. Dez. 2026") and groups thousands with one ("100.000"); the
month's name and the separators come from Django's locale data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation

from billing.credit_requests import CreditRequestError, request_credits

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


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "most"), [("en", "100,000"), ("de", "100.000"), ("fr", "100\xa0000")]
)
def test_numbers_in_a_message_group_as_the_language_does(code: str, most: str, org: Any) -> None:
    with translation.override(code), pytest.raises(CreditRequestError) as refused:
        request_credits(org, kind="invite", credits=0, requested_by=None)
    assert most in refused.value.message
