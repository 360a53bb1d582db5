"""XML written as text: elements with their attributes and character data escaped.

The open-data files are written as text and parsed once by lxml (which checks that they are
well-formed): much faster than creating each element through lxml's API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_TEXT_SPECIAL = re.compile(r"[&<>\r]")
_ATTRIBUTE_SPECIAL = re.compile(r'[&<>"\n\r\t]')
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    # Character references, which parsing keeps as they are (a literal carriage return becomes
    # a newline, and line breaks and tabs in an attribute value become spaces).
    "\n": "&#10;",
    "\r": "&#13;",
    "\t": "&#9;",
}


def _escaped(match: re.Match[str]) -> str:
    return _ESCAPES[match.group()]


def escaped(value: str) -> str:
    """Character data of an element, escaped."""
    return _TEXT_SPECIAL.sub(_escaped, value) if _TEXT_SPECIAL.search(value) else value


def attributes_text(attributes: Iterable[tuple[str, str]]) -> str:
    """Attributes, each value escaped and quoted."""
    return "".join(
        f' {name}="{_ATTRIBUTE_SPECIAL.sub(_escaped, value)}"'
        if _ATTRIBUTE_SPECIAL.search(value)
        else f' {name}="{value}"'
        for name, value in attributes
    )


def element(tag: str, attributes: Iterable[tuple[str, str]] = (), content: str = "") -> str:
    return f"<{tag}{attributes_text(attributes)}>{content}</{tag}>"


def narrative(text: str) -> str:
    return f"<narrative>{escaped(text)}</narrative>"
