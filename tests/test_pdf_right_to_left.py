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


def _regular_pathways():
    """A chart's row: objective 5 with USD 1,500,000 funded, all of the funded total, flagged."""
    from decimal import Decimal

    from fund.coverage.model import PIPELINE_ONLY

    return coverage_row(
        "5",
        "5. Regular pathways",
        funded=Decimal("1500000"),
        programmes=1,
        share=Decimal("1"),
        flag=PIPELINE_ONLY,
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

    from fund.reports.pdf.charts import bar_chart

    row = _regular_pathways()
    with app.test_request_context(), force_locale("ar"):
        drawing = bar_chart([row], Decimal("1500000"), targets=True)
    texts = [node.text for node in drawing.getContents() if isinstance(node, String)]
    assert any(re.search(r"[\ufe70-\ufeff]", text) for text in texts)  # shaped Arabic
    assert not [text for text in texts if re.search(r"[\u0600-\u06ff]", text)]


def _drawn_cells(table) -> list[list[str]]:
    """What each cell of a reportlab table holds, as text, row by row, left to right."""
    return [
        [cell.getPlainText() if hasattr(cell, "getPlainText") else str(cell) for cell in row]
        for row in table._cellvalues
    ]


def test_an_arabic_documents_tables_are_mirrored(app):
    """In Arabic a table's first column is at the right, as on the pages: the header, the
    rows, the total and the columns' widths go from right to left, every cell's text set
    against the right of its cell; in French the same table stays as it was."""
    from decimal import Decimal

    from flask_babel import force_locale
    from reportlab.lib.enums import TA_RIGHT

    from fund.reports.pdf.tables import data_table, fact_table, paragraph_table

    header = ("Objective", "Funded", "Share")
    rows = [("1. Data", "1,000.00", "50.0%"), ("2. Drivers", "1,000.00", "50.0%")]
    total = ("Total", "2,000.00", "100.0%")
    styles = PdfStyles.report()
    register_fonts()
    with app.test_request_context(), force_locale("ar"):
        plain = data_table(header, rows, (0.6, 0.25, 0.15), numeric=(1, 2), total=total)
        styled = paragraph_table(styles, header, rows, (0.6, 0.25, 0.15), numeric=(1, 2))
        facts = fact_table(styles, [("Duration (months)", Decimal(24))])
    assert _drawn_cells(plain) == [
        ["Share", "Funded", "Objective"],
        ["50.0%", "1,000.00", "1. Data"],
        ["50.0%", "1,000.00", "2. Drivers"],
        ["100.0%", "2,000.00", "Total"],
    ]
    widths = plain._colWidths
    assert widths[0] < widths[1] < widths[2]  # the widest column, the first, at the right
    assert _alignments(plain) == ["RIGHT", "RIGHT", "RIGHT"]
    assert _drawn_cells(styled)[0] == ["Share", "Funded", "Objective"]
    assert all(cell.style.alignment == TA_RIGHT for row in styled._cellvalues for cell in row)
    assert _drawn_cells(facts) == [["24", "Duration (months)"]]
    assert all(cell.style.alignment == TA_RIGHT for cell in facts._cellvalues[0])

    with app.test_request_context(), force_locale("fr"):
        french = data_table(header, rows, (0.6, 0.25, 0.15), numeric=(1, 2), total=total)
        french_facts = fact_table(styles, [("Duration (months)", Decimal(24))])
    assert _drawn_cells(french)[0] == ["Objective", "Funded", "Share"]
    assert _alignments(french) == ["LEFT", "RIGHT", "RIGHT"]
    assert _drawn_cells(french_facts) == [["Duration (months)", "24"]]


def _alignments(table) -> list[str]:
    """How the cells of a reportlab table's first row of figures are aligned, left to right."""
    return [style.alignment for style in table._cellStyles[1]]


def test_an_arabic_documents_chart_is_mirrored(app):
    """In Arabic the coverage chart reads from the right, as the page's does: the row's label
    at the right, its bar growing to the left from the zero at the right, its flag at the left
    of the bar; in English the same chart stays as it was."""
    from decimal import Decimal

    from flask_babel import force_locale
    from reportlab.graphics.shapes import Rect, String

    from fund.reports.pdf.charts import bar_chart

    row = _regular_pathways()

    def places(language: str) -> tuple[float, float, float, float, float]:
        with app.test_request_context(), force_locale(language):
            drawing = bar_chart([row], Decimal("1500000"), targets=False)
        texts = {node.text: node for node in drawing.getContents() if isinstance(node, String)}
        label = texts["5. Regular pathways"]
        flag = next(node for node in texts.values() if node.fontName.endswith("Bold"))
        bar = max(
            (node for node in drawing.getContents() if isinstance(node, Rect)),
            key=lambda node: node.width,
        )
        zero = min((node for node in texts.values() if node.text == "0"), key=lambda node: node.y)
        return label.x, bar.x, bar.x + bar.width, flag.x, zero.x

    label, bar_left, bar_right, flag, zero = places("ar")
    assert flag < bar_left < bar_right <= label
    assert abs(bar_right - zero) < 0.01  # the bar starts at the axis's zero, at the right
    label, bar_left, bar_right, flag, zero = places("en")
    assert label <= bar_left < bar_right < flag
    assert abs(bar_left - zero) < 0.01


def test_in_an_arabic_document_a_line_starting_with_a_latin_word_reads_from_the_right(app):
    """A recusal's reason, "IOM منظمة مشاركة في هذا المقترح.", was drawn left to right in the
    Arabic decision record: IOM at the far left, the full stop at the right end. In an Arabic
    document every line's base direction is right to left, whatever its first word; in another
    document a line still takes the direction of its first letter."""
    from flask_babel import force_locale

    from fund.reports.pdf.styles import display_text

    reason = "IOM منظمة مشاركة في هذا المقترح."
    register_fonts()
    with app.test_request_context(), force_locale("ar"):
        paragraph = TextParagraph(reason, PdfStyles.report().body)
        paragraph.wrap(400, 1000)
        drawn = display_text(reason)
    for line in (paragraph.visual_lines[0], drawn):
        assert line.startswith("."), line  # the full stop at the left end
        assert line.endswith(" IOM"), line  # the first word at the right
        assert _visual("منظمة مشاركة في هذا المقترح") in line
    with app.test_request_context(), force_locale("en"):
        assert display_text(reason).startswith("IOM ")  # a left-to-right line, as before
