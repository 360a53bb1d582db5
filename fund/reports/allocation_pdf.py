"""The fund allocation report as a PDF for donors and the decision body: the layout of the
content `fund.reports.allocation_sections` makes from the figures of
`fund.reports.allocation_data` (the report's web page lays out the same content).

A cover (the fund, the programmes, the day the figures stand at, the key figures, the audit
trail's head), the contents with their page numbers (`fund.reports.pdf.contents`: one layout
of the document, whatever its length), then the sections one after the other: a page is left
only where what follows would not fit (a heading is never alone at a page's foot, a short
table is never split), so no page stays half empty.

Every page carries the audit trail's head (event number and SHA-256 hash) at the time of
generation: a printed report can be traced to the exact records it was made from.
"""

from __future__ import annotations

from flask_babel import gettext as _
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from fund.days import SHORT_DAY, in_words, moment_in_words, short_moment, written
from fund.reports.allocation_data import AllocationReport
from fund.reports.allocation_sections import TRACE_NOTE, cover_facts, key_figures, sections
from fund.reports.pdf.charts import bar_chart
from fund.reports.pdf.contents import Contents, SectionHeading
from fund.reports.pdf.document import render_document
from fund.reports.pdf.styles import (
    BOLD,
    PAGE_HEIGHT,
    REGULAR,
    SOFT,
    TEXT_WIDTH,
    PdfStyles,
    TextParagraph,
    audit_footer,
)
from fund.reports.pdf.tables import Mirrored, data_table, fact_table
from fund.reports.report_parts import Part, ReportTable, Section

SHORT_TABLE = 15  # rows: a table this short is kept on one page with its heading
LONG_TABLE_ROOM = 40 * mm  # a longer one starts on this page if this much room is left
TABLE_AFTER_CHART = 60 * mm  # at most this much room is asked for a table after its chart


def pdf_table(table: ReportTable) -> Table:
    return data_table(
        table.header,
        table.rows,
        table.widths,
        numeric=table.numeric,
        total=table.total,
        size=table.size,
        flags=table.flags,
    )


class AllocationDocument:
    """Builds the flowables of the report."""

    def __init__(self, report: AllocationReport) -> None:
        self.report = report
        self.s = PdfStyles.report()
        self.sections = sections(report)

    def story(self) -> list[Flowable]:
        story = [*self.cover(), PageBreak(), *self.contents()]
        for section in self.sections:
            story += self.section(section)
        return story

    def note(self, text: str) -> Paragraph:
        return TextParagraph(text, self.s.note)

    # Cover and contents ----------------------------------------------------------------

    def cover(self) -> list[Flowable]:
        r, s = self.report, self.s
        figures = key_figures(r)
        # Each figure on one line: a smaller size for the amounts of a large fund.
        room = TEXT_WIDTH / 3 - 16
        widest = max(stringWidth(value, BOLD, 1) for value, _label in figures)
        size = min(s.figure.fontSize, room / widest)
        figure = ParagraphStyle("cover_figure", parent=s.figure, fontSize=size, leading=size * 1.3)
        # Three figures a row, the first at the right in a right-to-left language.
        layout = Mirrored(3)
        if layout.right_to_left:
            figure = ParagraphStyle("cover_figure_rtl", parent=figure, alignment=TA_RIGHT)
        cells = [
            [TextParagraph(value, figure), TextParagraph(label, s.figure_label)]
            for value, label in figures
        ]
        rows = [cells[i : i + 3] for i in range(0, len(cells), 3)]
        if layout.right_to_left:
            rows = [layout.row(row + [""] * (3 - len(row))) for row in rows]
        grid = Table(rows, colWidths=[TEXT_WIDTH / 3] * 3)
        grid.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), REGULAR, 8),  # the cell default is Helvetica
                    ("BACKGROUND", (0, 0), (-1, -1), SOFT),
                    ("LINEBEFORE", (1, 0), (-1, -1), 4, "white"),
                    ("LINEBELOW", (0, 0), (-1, 0), 4, "white"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
                    ("LEFTPADDING", (0, 0), (-1, -1), 9),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        return [
            Spacer(1, 28 * mm),
            TextParagraph(r.fund_name, s.meta),
            TextParagraph(_("Fund allocation report"), s.cover_title),
            TextParagraph(r.scope, s.cover_subtitle),
            TextParagraph(_("Figures as of %(day)s", day=in_words(r.day)), s.cover_subtitle),
            Spacer(1, 12 * mm),
            TextParagraph(_("Key figures"), s.h3),
            grid,
            Spacer(1, 12 * mm),
            fact_table(s, cover_facts(r), label_width=0.22),
            Spacer(1, 6 * mm),
            self.note(_(TRACE_NOTE)),
        ]

    def contents(self) -> list[Flowable]:
        return [
            TextParagraph(_("Contents"), self.s.h2),
            Contents([(section.key, section.title) for section in self.sections]),
            Spacer(1, 6 * mm),
        ]

    # Sections --------------------------------------------------------------------------

    def section(self, section: Section) -> list[Flowable]:
        flowables: list[Flowable] = []
        for index, part in enumerate(section.parts):
            lead: list[Flowable] = []
            if index == 0:
                lead.append(SectionHeading(section.title, self.s.h2, section.key))
            if part.title:
                lead.append(TextParagraph(part.title, self.s.h3))
            flowables += self.part(lead, part)
        return flowables

    def part(self, lead: list[Flowable], part: Part) -> list[Flowable]:
        """A subsection laid out so that it never leaves its heading alone at a page's foot
        nor moves to the next page unless it has to."""
        notes = [self.note(text) for text in part.notes]
        if part.points:
            points = [TextParagraph(p, self.s.small, prefix="• ") for p in part.points]
            return [CondPageBreak(LONG_TABLE_ROOM), KeepTogether([*lead, points[0]]), *points[1:]]
        if part.table is None:
            return [KeepTogether([*lead, TextParagraph(part.text, self.s.body), *notes])]
        table = pdf_table(part.table)
        short = len(part.table.rows) <= SHORT_TABLE
        if part.chart is not None:
            chart = bar_chart(
                part.chart.rows,
                self.report.coverage.totals.funded,
                targets=part.chart.targets,
                titled=part.chart.titled,
            )
            # The table follows its chart on the page when it fits there, whole if it is short.
            _width, height = table.wrap(TEXT_WIDTH, PAGE_HEIGHT)
            room = height if short else LONG_TABLE_ROOM
            return [
                KeepTogether([*lead, chart, Spacer(1, 4)]),
                CondPageBreak(min(room, TABLE_AFTER_CHART)),
                table,
                *notes,
            ]
        if short:
            return [KeepTogether([*lead, table, *notes])]
        return [CondPageBreak(LONG_TABLE_ROOM), *lead, table, *notes]


def render_allocation_report(report: AllocationReport) -> bytes:
    """Header: the fund, the report's date and when it was made; footer: the audit head."""
    day, made = report.day, report.generated_at
    return render_document(
        AllocationDocument(report).story(),
        report,
        [
            _(
                "Allocation report as of %(day)s · generated %(made)s",
                day=in_words(day),
                made=moment_in_words(made),
            ),
            _(
                "Allocation report as of %(day)s · generated %(made)s",
                day=written(day, SHORT_DAY),
                made=short_moment(made),
            ),
            _(
                "As of %(day)s · generated %(made)s",
                day=written(day, SHORT_DAY),
                made=short_moment(made),
            ),
        ],
        audit_footer(report.head),
        title=_("Fund allocation report as of %(day)s", day=in_words(report.day)),
        subject=report.scope,
    )
