"""Markup payloads, one numbered set per field, and the check that finds them unescaped.

Every field gets its own number `n`, carried by each of its payloads
(`alert(n)`), so a payload found raw in a page names the field it was typed
into. Payloads break out of an element (`<script>`), a double-quoted and a
single-quoted attribute (`"><img ...>`, `'><svg ...>`); link-ish fields also
get a `javascript:` URL, and text that reaches the placeholder code gets
template syntax (`{{ 7*7 }}`, `{% debug %}`) that must stay literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TEMPLATE_SYNTAX = "{{ 7*7 }} {% debug %}"

# What a browser would run: the payloads' dangerous parts, raw. Escaped
# (`&lt;script&gt;`) they are text, and legitimate tags of ours (`<script
# src=...>`, icons) never carry `alert(`.
UNESCAPED = re.compile(
    r"<script>alert\((?P<a>\d+)\)"
    r"|<img[\s/]+src=x[\s/]+onerror=alert\((?P<b>\d+)\)"
    r"|<svg[\s/]+onload=alert\((?P<c>\d+)\)"
    r"""|(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:alert\((?P<d>\d+)\)""",
    re.IGNORECASE,
)
# What `{% debug %}` prints if user text ever reaches the template engine
# (the context and sys.modules), escaped or not.
DEBUG_OUTPUT = re.compile(r"<module '|&lt;module &#x27;|&lt;module '")


@dataclass
class Payloads:
    """Hands out payloads and remembers which field each number went into."""

    fields: dict[int, str] = field(default_factory=dict)

    def _number(self, name: str) -> int:
        number = len(self.fields) + 1
        self.fields[number] = name
        return number

    def text(self, name: str, *, link: bool = False, template: bool = True) -> str:
        """All three markup payloads (about 90 characters), for a free-text field."""
        n = self._number(name)
        value = (
            f"<script>alert({n})</script>\"><img src=x onerror=alert({n})>'><svg onload=alert({n})>"
        )
        if link:
            value = f"javascript:alert({n})//{value}"
        if template:
            value = f"{value} {TEMPLATE_SYNTAX}"
        return value

    def short(self, name: str) -> list[str]:
        """Three payloads of at most 50 characters each, e.g. three tags."""
        n = self._number(name)
        return [
            f"<script>alert({n})</script>",
            f'"><img src=x onerror=alert({n})>',
            f"'><svg onload=alert({n})>",
        ]

    def email(self, name: str, *, kind: str = "script") -> str:
        """A valid address (RFC 5321 quoted local part, which Django accepts)
        that is markup: no spaces allowed, so `/` separates the attributes."""
        n = self._number(name)
        local = {
            "script": f"<script>alert({n})</script>",
            "img": f"><img/src=x/onerror=alert({n})>",
            "svg": f"'><svg/onload=alert({n})>",
        }[kind]
        return f'"{local}"@payload.example'

    def number(self, name: str) -> int:
        return next(n for n, field_name in self.fields.items() if field_name == name)

    def describe(self, number: str | int) -> str:
        return self.fields.get(int(number), f"unknown field #{number}")


def unescaped(content: str, payloads: Payloads) -> list[str]:
    """Each field whose payload is found raw in `content`, once, with some context."""
    found: dict[str, str] = {}
    for match in UNESCAPED.finditer(content):
        number = next(group for group in match.groups() if group)
        start = max(0, match.start() - 60)
        context = content[start : match.end() + 20].replace("\n", " ")
        found.setdefault(number, f"{payloads.describe(number)} raw: …{context}…")
    problems = list(found.values())
    if DEBUG_OUTPUT.search(content):
        problems.append("{% debug %} was rendered by the template engine")
    return problems


ESCAPED = re.compile(
    r"&lt;script&gt;alert\((\d+)\)|&lt;svg/onload=alert\((\d+)\)|&lt;img/src=x/onerror=alert\((\d+)\)"
)


def shown_escaped(content: str) -> set[int]:
    """The fields whose payloads `content` shows as text (proof the page shows them at all)."""
    return {int(n) for match in ESCAPED.finditer(content) for n in match.groups() if n}
