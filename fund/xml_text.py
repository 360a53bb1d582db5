"""XML written as text: elements with their attributes and character data escaped.

The open-data files and the workbooks (`fund.xlsx`) are written as text: much faster than
creating each element through an XML library's API. The open-data files are then parsed once
by lxml, which checks that they are well-formed.

XML 1.0 cannot hold every character: not the C0 control characters but tab, line feed and
carriage return, nor lone surrogates, U+FFFE or U+FFFF. A text area takes them when they are
pasted from another program; here each is written as U+FFFD, the replacement character, so
that no text the fund holds can stop a file being made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# The ranges of the characters XML 1.0 cannot hold, for a regular expression's class.
NOT_IN_XML_RANGES = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
REPLACEMENT = "\ufffd"
_TEXT_SPECIAL = re.compile(f"[&<>\r{NOT_IN_XML_RANGES}]")
_ATTRIBUTE_SPECIAL = re.compile(f'[&<>"\n\r\t{NOT_IN_XML_RANGES}]')
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
    return _ESCAPES.get(match.group(), REPLACEMENT)


def escaped(value: str) -> str:
    """Character data of an element, escaped; a character XML cannot hold as U+FFFD."""
    return _TEXT_SPECIAL.sub(_escaped, value) if _TEXT_SPECIAL.search(value) else value


def attributes_text(attributes: Iterable[tuple[str, str]]) -> str:
    """Attributes, each value escaped (a character XML cannot hold as U+FFFD) and quoted."""
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
