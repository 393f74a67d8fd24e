"""Find user-facing text in templates that no translation tag wraps.

Django's template lexer splits a template into text, variables and tags; text
between `{% blocktranslate %}` and its end is translated, `{% translate %}`
is a tag of its own. The rest of the text is read as HTML (html.parser): every
text node and every attribute a reader meets (title, alt, placeholder,
aria-label, a button's value) that holds a word is reported. Plain-text emails
(.txt) have no markup: any word outside a translation block is reported.

    python -m tests.i18n.template_strings [template dir or file ...]
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
# A variable or a tag in the text; it stands for a value, never for a word.
HOLE = "\x00"
WORD = re.compile(r"[^\W\d_]{2,}")
# Words that read the same in every language of the product.
UNTRANSLATABLE = {
    "artsvp",
    "API",
    "CSV",
    "JSON",
    "ICS",
    "URL",
    "QR",
    "ID",
    "htmx",
    "OpenAPI",
    "Stripe",
    "Deutsch",
    "English",
    "Français",
    "Italiano",
    "Español",
    "Bearer",
    # The wordmark: art<span>svp</span>.
    "art",
    "svp",
}
READ_ATTRIBUTES = {
    "title",
    "alt",
    "placeholder",
    "aria-label",
    "aria-description",
    "aria-roledescription",
}
# Code shows what a machine reads (a CSV column, a command), the same in every language.
# Templates with no text of their own: allauth's button element builds its tag
# name out of template tags, which no HTML parser can read.
SKIPPED_TEMPLATES = {"allauth/elements/button.html"}
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp"}


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    where: str
    text: str

    def __str__(self) -> str:
        where = self.path.relative_to(TEMPLATES_DIR.parent)
        return f"{where}:{self.line}: {self.where}: {self.text!r}"


def needs_translation(text: str) -> bool:
    words = WORD.findall(text.replace(HOLE, " "))
    return any(word not in UNTRANSLATABLE for word in words)


def untranslated_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of the template's text outside translation blocks, with
    every variable and tag replaced by HOLE."""
    pieces: list[tuple[int, str]] = []
    depth = 0  # inside {% blocktranslate %} / {% comment %} / {% verbatim %} / a class block
    blocks: list[bool] = []  # open {% block %}s: is it a `*_class` block (CSS classes)?
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            words = token.contents.split()
            name = words[0] if words else ""
            if name in {"blocktranslate", "blocktrans", "comment", "verbatim"}:
                depth += 1
            elif name in {"endblocktranslate", "endblocktrans", "endcomment", "endverbatim"}:
                depth -= 1
            elif name == "block":
                blocks.append(len(words) > 1 and words[1].endswith("_class"))
                depth += blocks[-1]
            elif name == "endblock" and blocks:
                depth -= blocks.pop()
            if depth == 0:
                # A tag stands for no word, and may sit inside an HTML tag.
                pieces.append((token.lineno or 0, " "))
        elif token.token_type == TokenType.VAR:
            if depth == 0:
                # A tag stands for no word, and may sit inside an HTML tag.
                pieces.append((token.lineno or 0, " "))
        elif token.token_type == TokenType.TEXT and depth == 0:
            pieces.append((token.lineno or 0, token.contents))
    return pieces


class _Reader(HTMLParser):
    def __init__(self, lines: list[int]) -> None:
        super().__init__(convert_charrefs=True)
        self.lines = lines
        self.skipping = 0
        self.found: list[tuple[int, str, str]] = []

    def _line(self) -> int:
        return self.lines[min(self.getpos()[0] - 1, len(self.lines) - 1)]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self.skipping += 1
        values = dict(attrs)
        for name, value in attrs:
            readable = name in READ_ATTRIBUTES or (
                name == "value"
                and tag == "input"
                and values.get("type") in {"submit", "button", "reset"}
            )
            if readable and value and needs_translation(value):
                self.found.append((self._line(), f"<{tag} {name}>", value.strip()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED_ELEMENTS:
            self.skipping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_ELEMENTS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping and needs_translation(data):
            self.found.append((self._line(), "text", " ".join(data.replace(HOLE, "…").split())))


def check_template(path: Path) -> list[Finding]:
    pieces = untranslated_text(path.read_text(encoding="utf-8"))
    if path.suffix == ".txt":
        return [
            Finding(path, line, "text", " ".join(text.split()))
            for line, text in pieces
            if needs_translation(text)
        ]
    # One document, with a map from its lines back to the template's lines.
    document = "".join(text for _, text in pieces)
    lines: list[int] = []
    for line, text in pieces:
        lines.extend([line] * text.count("\n"))
        if not lines or text.count("\n") == 0:
            lines.append(line)
    reader = _Reader(lines or [1])
    reader.feed(document)
    reader.close()
    return [Finding(path, line, where, text) for line, where, text in reader.found]


def templates(*roots: Path) -> list[Path]:
    found: list[Path] = []
    for root in roots or (TEMPLATES_DIR,):
        if root.is_file():
            found.append(root)
        else:
            found.extend(sorted(p for p in root.rglob("*") if p.suffix in {".html", ".txt"}))
    return [
        path
        for path in found
        if not path.is_relative_to(TEMPLATES_DIR)
        or str(path.relative_to(TEMPLATES_DIR)) not in SKIPPED_TEMPLATES
    ]


def findings(*roots: Path) -> list[Finding]:
    return [finding for path in templates(*roots) for finding in check_template(path)]


if __name__ == "__main__":
    result = findings(*(Path(arg).resolve() for arg in sys.argv[1:]))
    for finding in result:
        print(finding)
    print(f"{len(result)} untranslated strings in {len({f.path for f in result})} templates")
