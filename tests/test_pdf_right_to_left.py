"""Arabic in the PDFs: a paragraph that wraps keeps its reading order from line to line (it is
wrapped in logical order, each line put in visual order after); Latin text is unchanged."""

from __future__ import annotations

import arabic_reshaper
from bidi.algorithm import get_display  # mirrors brackets in right-to-left runs
from reportlab.platypus import SimpleDocTemplate

from fund.reports.pdf.styles import PdfStyles, TextParagraph, register_fonts
from tests.helpers import coverage_row

# "The fund finances joint programmes of the United Nations entities in the countries of origin,
# transit and destination of migrants, in support of the objectives of the Global Compact."
SENTENCE = (
    "يموّل الصندوق برامج مشتركة لكيانات الأمم المتحدة في بلدان المنشأ والعبور والمقصد "
    "للمهاجرين دعمًا لأهداف الاتفاق العالمي بشأن الهجرة الآمنة والمنظمة والنظامية"
)


def _visual(words: str) -> str:
    return get_display(arabic_reshaper.reshape(words))


def test_a_wrapped_arabic_paragraph_starts_on_its_first_line():
    register_fonts()
    styles = PdfStyles.report()
    paragraph = TextParagraph(SENTENCE, styles.body)
    paragraph.wrap(150, 1000)
    lines = paragraph.visual_lines
    assert len(lines) >= 3, lines
    words = SENTENCE.split()
    # The first words are on the first line, the last ones on the last line, each line in
    # visual (right-to-left drawn) order.
    assert _visual(" ".join(words[:2])) in lines[0]
    assert _visual(" ".join(words[-2:])) in lines[-1]
    # Every word is drawn once, in the order read: line by line from the top.
    assert (
        " ".join(get_display(line) for line in lines).split()
        == arabic_reshaper.reshape(SENTENCE).split()
    )


def test_a_paragraph_wraps_again_for_another_width_and_splits_across_pages(tmp_path):
    register_fonts()
    styles = PdfStyles.report()
    paragraph = TextParagraph(SENTENCE * 40, styles.body)
    paragraph.wrap(300, 1000)
    wide = list(paragraph.visual_lines)
    paragraph.wrap(120, 1000)
    assert len(paragraph.visual_lines) > len(wide)
    # A paragraph longer than a page is split by reportlab across pages without error.
    document = SimpleDocTemplate(str(tmp_path / "rtl.pdf"))
    document.build([TextParagraph(SENTENCE * 60, styles.body)])
    assert (tmp_path / "rtl.pdf").stat().st_size > 1000


def test_latin_text_is_left_as_it_is():
    styles = PdfStyles.report()
    paragraph = TextParagraph("Joint programme <b>not bold</b>\nsecond line", styles.body)
    paragraph.wrap(400, 1000)
    assert paragraph.visual_lines == []
    # Plain text: the tags are letters, not bold markup.
    assert paragraph.getPlainText() == "Joint programme <b>not bold</b>second line"


def test_arabic_starts_at_the_right_and_its_brackets_face_the_right_way():
    from reportlab.lib.enums import TA_RIGHT

    register_fonts()
    paragraph = TextParagraph("الأعضاء الذين يحق لهم التصويت (3)", PdfStyles.report().h2)
    paragraph.wrap(400, 1000)
    assert paragraph.style.alignment == TA_RIGHT
    assert paragraph.visual_lines[0].startswith("(3) ")


def test_every_text_of_an_arabic_chart_is_drawn_with_its_letters_joined(app):
    """Each text a PDF chart draws (the legend, the rows, the flags, the axis's amounts: "250
    ألف") goes through the shaping the paragraphs use: no Arabic letter is left unjoined."""
    import re
    from decimal import Decimal

    from flask_babel import force_locale
    from reportlab.graphics.shapes import String

    from fund.coverage.model import PIPELINE_ONLY
    from fund.reports.pdf.charts import bar_chart

    row = coverage_row(
        "5",
        "5. Regular pathways",
        funded=Decimal("1500000"),
        programmes=1,
        share=Decimal("1"),
        flag=PIPELINE_ONLY,
    )
    with app.test_request_context(), force_locale("ar"):
        drawing = bar_chart([row], Decimal("1500000"), targets=True)
    texts = [node.text for node in drawing.getContents() if isinstance(node, String)]
    assert any(re.search(r"[\ufe70-\ufeff]", text) for text in texts)  # shaped Arabic
    assert not [text for text in texts if re.search(r"[\u0600-\u06ff]", text)]
