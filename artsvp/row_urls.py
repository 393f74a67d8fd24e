"""The links of a list page's rows, reversed once per page.

A list of 50 rows with three actions each made 150 `reverse()` calls, each
walking the URL resolver. `row_url(name, *args)` reverses the URL once, with
a placeholder for its last argument (the row's public id or token), and
answers a function that puts a row's id in its place: the same URL
`reverse()` makes for that id, as long as the id needs no quoting (public ids
and tokens: artsvp/ids.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

# Matches the public id and the token converters (artsvp/converters.py).
PLACEHOLDER = "rowplaceholder0000"


def row_url(viewname: str, *args: Any) -> Callable[[str], str]:
    """`lambda last: reverse(viewname, args=[*args, last])`, reversing once."""
    url = reverse(viewname, args=[*args, PLACEHOLDER])
    if url.count(PLACEHOLDER) != 1:
        # The placeholder is also in an argument (a slug that spells it): no shortcut.
        return lambda last: reverse(viewname, args=[*args, last])
    head, _, tail = url.partition(PLACEHOLDER)
    return lambda last: f"{head}{last}{tail}"
