"""The font of every PDF of the fund: DejaVu Sans (regular and bold), shipped in
fund/static/fonts/ with its licence.

The PDF standard fonts cover Latin-1 only; names of places, people and organizations in
French, Spanish, Turkish, Arabic script... need an embedded font that has their glyphs.
Arabic letters change shape with their position in a word and Arabic runs read right to left:
`display_text` joins the letters (Arabic presentation forms, which DejaVu Sans has) and puts
right-to-left runs in visual order before reportlab draws them.
"""

from __future__ import annotations

import html
import re
import threading
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FAMILY = "DejaVuSans"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_lock = threading.Lock()

# Hebrew, Arabic, Syriac, Thaana, N'Ko..., and the Arabic presentation forms.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def register_fonts() -> str:
    """Register the family with reportlab (once per process; safe to call again and from
    several threads) and return its name for styles."""
    with _lock:
        if REGULAR not in pdfmetrics.getRegisteredFontNames():
            for name, filename in _FILES.items():
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
            # <b> in paragraphs picks the bold face; there is no italic face: upright is used.
            pdfmetrics.registerFontFamily(
                FAMILY, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
            )
    return FAMILY


def display_text(text: str) -> str:
    """Text as reportlab must draw it: unchanged unless it has right-to-left script, whose
    letters are then joined and whose runs are put in visual order.

    The reordering works on the text as a whole: a right-to-left passage that wraps over
    several lines keeps its words but the lines read in the left-to-right order.
    """
    if not _RIGHT_TO_LEFT.search(text):
        return text
    return "\n".join(get_display(arabic_reshaper.reshape(line)) for line in text.split("\n"))


def markup(text: str | None) -> str:
    """Plain text made safe for a reportlab Paragraph (escaped, line breaks kept)."""
    return html.escape(display_text(text or ""), quote=False).replace("\n", "<br/>")
