"""The allocation report as a document worth publishing: a cover with the key figures and no
command line, contents with the sections' page numbers, words never broken, full labels, flags
in colour with their words, pages filled; and the same report as an accessible web page, whose
figures are the PDF's."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from fund.money import format_usd
from fund.reports.allocation_data import build_allocation_report
from fund.reports.allocation_pdf import render_allocation_report
from fund.reports.allocation_sections import key_figures, sections
from fund.reports.pdf.styles import FLAG_COLOURS, PAGE_HEIGHT, REGULAR, TEXT_WIDTH, register_fonts
from fund.reports.pdf.tables import data_table, fit_columns
from tests import test_reports_pdf as fixtures
from tests.helpers import pdf_text
from tests.test_reports_pdf import AS_OF, GENERATED, client_of, lines_of

# The year of the fund of the allocation report's tests, made once for this module too.
prepared, people, history = fixtures.prepared, fixtures.people, fixtures.history


def _report(app, **choices):
    with app.app_context():
        report = build_allocation_report(app.config, generated_at=GENERATED, **choices)
        return report, sections(report), render_allocation_report(report)


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _page_of(reader: PdfReader, title: str) -> int:
    """The page of the heading `title`: the first after the cover with a line equal to it (on
    the contents' page, a second one)."""
    for number, page in enumerate(reader.pages[1:], start=2):
        if lines_of(page.extract_text()).count(title) >= (2 if number == 2 else 1):
            return number
    raise AssertionError(f"{title!r} is on no page")


# The PDF ------------------------------------------------------------------------------------


def test_the_cover_has_the_fund_the_period_the_day_and_the_key_figures(app, people, history):
    report, _, pdf = _report(app, as_of=AS_OF)
    reader, text = pdf_text(pdf)
    cover = _words(reader.pages[0].extract_text())
    t = report.balance.total
    assert "Migration Multi-Partner Trust Fund" in cover
    assert "Fund allocation report" in cover and "All calls · all dates" in cover
    assert "Figures as of 1 March 2025" in cover
    for value in (format_usd(t.gross), format_usd(t.allocated), format_usd(t.disbursed)):
        assert value in cover
    covered = sum(1 for row in report.coverage.objectives if row.funded > 0)
    assert covered and f"{covered} of 23 GCM objectives with funded programmes" in cover
    assert f"{report.coverage.totals.programmes} funded programme" in cover
    # The figures are the data's, and no command line is quoted anywhere.
    assert [value for value, _ in key_figures(report)][:3] == [
        format_usd(t.gross),
        format_usd(t.allocated),
        format_usd(t.disbursed),
    ]
    assert "flask " not in text and "`" not in text


def test_an_arabic_covers_key_figures_start_at_the_right(app, people, history):
    """In Arabic the key figures are read from the right: the money received first, at the
    right of the first row, as the pages' figures are."""
    from flask_babel import force_locale
    from reportlab.platypus import Table

    from fund.reports.allocation_pdf import AllocationDocument

    with app.app_context():
        report = build_allocation_report(app.config, generated_at=GENERATED, as_of=AS_OF)
        grids, figures = {}, {}
        for language in ("ar", "en"):
            with app.test_request_context(), force_locale(language):
                cover = AllocationDocument(report).cover()
                # As the cover writes them: without the marks that isolate an amount on a page.
                figures[language] = [
                    re.sub("[\u2066-\u2069]", "", value) for value, _label in key_figures(report)
                ]
            grids[language] = next(block for block in cover if isinstance(block, Table))

    def first_row(grid) -> list[str]:
        return [cells[0].getPlainText() for cells in grid._cellvalues[0]]

    assert first_row(grids["en"]) == figures["en"][:3]
    assert first_row(grids["ar"]) == figures["ar"][:3][::-1]
    assert figures["ar"][0] != figures["ar"][2]


def test_the_contents_give_each_section_its_page(app, people, history):
    _, parts, pdf = _report(app)
    reader, _ = pdf_text(pdf)
    contents = lines_of(reader.pages[1].extract_text())
    assert "Contents" in contents
    numbers = [line for line in contents if line.isdigit()]
    assert len(numbers) >= len(parts)
    pages = []
    for section in parts:
        assert section.title in contents, section.title
        pages.append(_page_of(reader, section.title))
        # The contents' number of the section: the n-th number of the page's lines.
    assert numbers[-len(parts) :] == [str(p) for p in pages]
    assert pages == sorted(pages) and pages[0] == 2
    # Each section is a bookmark of the PDF's outline.
    assert [item.title for item in reader.outline] == [s.title for s in parts]


def test_words_are_whole_and_labels_full(app, people, history):
    report, _, pdf = _report(app)
    _, text = pdf_text(pdf)
    lines = lines_of(text)
    flags = {row.flag_label for row in report.coverage.objectives if row.flag}
    assert "Concentrated" in flags
    assert not [line for line in lines if re.search(r"(Concentrate|Programme|Pipelin)$", line)]
    assert any(line.endswith("Concentrated") for line in lines)
    assert "Programmes" in lines  # the heading of the programme counts, whole
    assert "…" not in text  # nothing is cut short with an ellipsis
    joined = _words(text)
    for area in report.coverage.areas:
        assert _words(f"{area.label}: {area.title}") in joined, area.key


def test_table_columns_widen_to_hold_their_widest_word():
    register_fonts()
    rows = [("A", "Concentrated"), ("B", "Under target")]
    table = data_table(("Where", "Flag"), rows, (0.92, 0.08), size=7.5, flags=1)
    flag_column = table._colWidths[1]
    assert flag_column >= stringWidth("Concentrated", REGULAR, 7.5) + 6
    assert abs(sum(table._colWidths) - TEXT_WIDTH) < 0.01
    assert table._cellvalues[1][1] == "Concentrated"  # one line, not broken
    # Flags are written in their colour (and in words).
    assert table._cellStyles[1][1].color == FLAG_COLOURS["Concentrated"]
    assert table._cellStyles[2][1].color == FLAG_COLOURS["Under target"]
    assert colors.toColor(table._cellStyles[1][0].color) == colors.black
    # A total wider than its column's rows is written smaller, whole, the widths unchanged.
    table = data_table(
        ("Title", "Amount"),
        [("A long title " * 4, "1,000.00")],
        (0.9, 0.1),
        numeric=(1,),
        total=("Total", "5,703,540,968.40"),
        size=7.5,
    )
    assert table._colWidths[1] == pytest.approx(0.1 * TEXT_WIDTH)
    assert table._cellvalues[2][1] == "5,703,540,968.40"
    assert table._cellStyles[2][1].fontsize < 7.5 == table._cellStyles[1][1].fontsize
    # What columns lack comes from those with room to spare; never more than they spare.
    assert fit_columns([100, 20], [20, 30]) == [90, 30]
    assert fit_columns([100, 20], [95, 30]) == [95, 25]
    assert fit_columns([50, 50], [10, 10]) == [50, 50]
    # A word wanting more than twice its column's width (an address, a hash) is cut rather
    # than squeeze the others; the columns lacking least are served first.
    assert fit_columns([100, 20, 20], [50, 30, 400]) == [70, 30, 40]
    assert fit_columns([60, 20, 20], [55, 30, 400]) == [55, 25, 20]


def test_a_long_table_is_laid_out_a_page_at_a_time_with_every_row_once(app):
    """A table of hundreds of rows (the programmes of a large fund) is made a page at a time:
    each page has the header and the rows that fit, every row once and in order, the total
    once after the last row, flags in their colour; a short table stays one table."""
    from reportlab.platypus import Paragraph, Table

    from fund.reports.pdf.styles import PageFurniture, render
    from fund.reports.pdf.tables import PAGED_FROM, PagedTable

    register_fonts()
    rows = [
        (f"Programme {n:04d}", "Long title " * (n % 5 + 1), f"{n},000.00", "Concentrated")
        for n in range(1, 451)
    ]
    header = ("Reference", "Title", "Amount", "Flag")
    table = data_table(
        header,
        rows,
        (0.2, 0.5, 0.15, 0.15),
        numeric=(2,),
        total=("Total", "", "9.00", ""),
        flags=3,
    )
    assert isinstance(table, PagedTable)
    short = data_table(header, rows[:PAGED_FROM], (0.2, 0.5, 0.15, 0.15))
    assert isinstance(short, Table)
    with app.test_request_context():
        story = [Paragraph("Before the table"), table, Paragraph("After the table")]
        pdf = render(
            story, PageFurniture("Fund", "Report", "Footer"), title="t", author="a", subject="s"
        )
    reader, _text = pdf_text(pdf)
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) > 5
    found = [int(n) for page in pages for n in re.findall(r"Programme (\d{4})", page)]
    assert found == list(range(1, 451))
    for page in pages:
        assert "Reference" in page and "Amount" in page  # the header on every page
    assert sum(page.count("Total") for page in pages) == 1
    assert "Programme 0450" in pages[-1] and "Total" in pages[-1]
    assert "After the table" in pages[-1]
    # a part's flags keep their colour: the rows of a later page too
    rest = table
    for _page in range(3):
        part, rest = rest.split(TEXT_WIDTH, 600)
    assert part._cellStyles[1][3].color == FLAG_COLOURS["Concentrated"]


def test_a_cell_taller_than_a_page_goes_on_in_the_rows_below(app):
    """A comment as long as a text area takes, in a narrow column, is taller than a page: a
    table of such a row could not be laid out (LayoutError, a server error). Its lines go on in
    the rows below, with no rule between them, every line once and in order; a table of
    paragraphs splits such a row between pages; a row that fits stays whole."""
    from reportlab.platypus import Paragraph

    from fund.reports.pdf.styles import PageFurniture, PdfStyles, render
    from fund.reports.pdf.tables import fact_table, paragraph_table

    register_fonts()
    comment = " ".join(f"line{n:03d}" for n in range(400))
    rows = [("Ursula", comment, "Approve"), ("Ibrahim", "Short.", "Reject")]
    table = data_table(("Member", "Comment", "Vote"), rows, (0.3, 0.2, 0.5))
    with app.test_request_context():
        styles = PdfStyles.document()
        story = [
            table,
            paragraph_table(styles, ("Member", "Comment"), [("Chen", comment)], (0.3, 0.7)),
            fact_table(styles, [("Summary", comment * 3), ("Rationale", "Short.")]),
            Paragraph("After the tables"),
        ]
        pdf = render(
            story, PageFurniture("Fund", "Record", "Footer"), title="t", author="a", subject="s"
        )
    _reader, text = pdf_text(pdf)
    found = [int(n) for n in re.findall(r"line(\d{3})", text)]
    assert found == list(range(400)) * 5  # the data table, the paragraphs', the facts' three
    assert text.index("Ursula") < text.index("line000") < text.index("Ibrahim")
    assert "Reject" in text and "Rationale" in text and "After the tables" in text


def test_no_page_between_the_cover_and_the_end_is_left_half_empty(app, people, history):
    _, _, pdf = _report(app)
    reader = PdfReader(io.BytesIO(pdf))
    top, bottom = PAGE_HEIGHT - 22 * 72 / 25.4, 20 * 72 / 25.4
    for number, page in enumerate(reader.pages[1:-1], start=2):
        heights = []

        def seen(text, cm, tm, font, size, heights=heights):
            if text.strip():
                heights.append(tm[5] * cm[3] + cm[5])

        page.extract_text(visitor_text=seen)
        lowest = min(y for y in heights if bottom < y < top)
        assert (top - lowest) / (top - bottom) > 0.6, f"page {number} is half empty"


# The web page -------------------------------------------------------------------------------


class Tables(HTMLParser):
    """The tables of a page by their caption: rows of cell texts (header, body and foot)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.headings: list[str] = []
        self._text: list[str] | None = None
        self._caption = ""
        self._rows: list[list[str]] = []
        self._row: list[str] = []
        self._heading = False

    def handle_starttag(self, tag, attrs):
        if tag in ("caption", "th", "td"):
            self._text = []
        elif tag == "tr":
            self._row = []
        elif tag == "table":
            self._rows = []
        elif tag == "h2":
            self._heading, self._text = True, []

    def handle_endtag(self, tag):
        text = _words("".join(self._text or []))
        if tag == "caption":
            self._caption = text
        elif tag in ("th", "td"):
            self._row.append(text)
        elif tag == "tr":
            self._rows.append(self._row)
        elif tag == "table":
            self.tables[self._caption] = self._rows
        elif tag == "h2" and self._heading:
            self.headings.append(text)
            self._heading = False
        if tag in ("caption", "th", "td", "h2"):
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def _cells(values) -> list[str]:
    return [_words("—" if v is None else str(v)) for v in values]


def test_the_web_page_shows_the_pdf_figures(app, people, history):
    client = client_of(app, people.secretariat)
    response = client.get(f"/reports/allocation?as_of={AS_OF}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    report, parts, pdf = _report(app, as_of=AS_OF)
    parsed = Tables()
    parsed.feed(page)
    assert parsed.headings[:2] == ["Key figures", "Contents"]
    assert parsed.headings[2:] == [s.title for s in parts]
    tables = [part.table for s in parts for part in s.parts if part.table]
    assert len(tables) >= 12
    _, pdf_words = pdf_text(pdf)
    pdf_words = _words(pdf_words)
    for table in tables:
        rows = parsed.tables[table.caption]
        assert rows[0] == [h or "What" for h in table.header], table.caption
        expected = [
            [
                "—no flag" if column == table.flags and not cell else cell
                for column, cell in enumerate(_cells(row))
            ]
            for row in table.rows
        ]
        if table.total:
            expected.append(_cells(table.total))
        assert rows[1:] == expected, table.caption
        for row in table.rows:  # and the PDF has the same figures
            for value in row[1:]:
                if value not in (None, ""):
                    assert str(value) in pdf_words, (table.caption, value)
    for value, label in key_figures(report):
        assert value in page and label in page
    # The chart has its text alternative and the figures beside it; the PDF is a link away.
    assert re.search(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="Bar chart', page)
    assert f'href="/reports/allocation.pdf?as_of={AS_OF}"' in page


@pytest.mark.parametrize(
    ("roles", "expected"),
    [(("applicant",), 403), (("committee",), 403), (("secretariat",), 200)],
)
def test_the_web_page_is_for_the_secretariat(app, client, login_as, roles, expected):
    login_as(*roles, organization_acronym="UNDP")
    assert client.get("/reports/allocation").status_code == expected


def test_the_reports_page_offers_the_web_page_and_explains_wrong_choices(app, people, history):
    client = client_of(app, people.secretariat)
    page = client.get("/reports/").get_data(as_text=True)
    assert 'formaction="/reports/allocation"' in page and 'href="/reports/allocation"' in page
    refused = client.get("/reports/allocation?as_of=2999-01-01&call=999")
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "The as-of date cannot be in the future." in text and 'value="2999-01-01"' in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            (
                "Rapport d'allocation du fonds",
                "Contributions par donateur",
                "Lacunes de couverture",
            ),
        ),
        (
            "es",
            (
                "Informe de asignaciones del fondo",
                "Contribuciones por donante",
                "Brechas de cobertura",
            ),
        ),
        ("ar", ("تقرير تخصيصات الصندوق", "ثغرات التغطية", "كيفية حساب الأرقام")),
    ],
)
def test_the_report_is_written_in_the_requesters_language(app, people, history, language, expected):
    client = client_of(app, people.secretariat)
    response = client.get(f"/reports/allocation.pdf?as_of={AS_OF}&lang={language}")
    assert response.status_code == 200
    _reader, text = pdf_text(response.data)  # Arabic read back in reading order
    for phrase in expected:
        assert phrase in text, (language, phrase)
    for phrase in ("Contributions by donor", "Coverage gaps", "How the figures are counted"):
        assert phrase not in text, (language, phrase)
    # The web page, made from the same sections, follows the same language.
    page = client.get(f"/reports/allocation?as_of={AS_OF}").get_data(as_text=True)
    assert expected[1] in page and "Coverage gaps" not in page


def test_the_report_names_the_regions_in_the_requesters_language(app, people, history):
    """The regions' table and the countries' column of regions say the regions' names as the
    coverage dashboard does, in the reader's language (CLDR): "Amériques", not "Americas"."""
    client = client_of(app, people.secretariat)
    page = client.get(f"/reports/allocation?as_of={AS_OF}&lang=fr").get_data(as_text=True)
    _reader, text = pdf_text(client.get(f"/reports/allocation.pdf?as_of={AS_OF}&lang=fr").data)
    english = client.get(f"/reports/allocation?as_of={AS_OF}&lang=en").get_data(as_text=True)
    assert "Americas" in english and "Africa" in english
    for french in (page, text):
        assert "Amériques" in french and "Afrique" in french
        assert "Americas" not in french and "Africa" not in french
