"""The fund allocation report: where the fund's money came from and went, for a call or a
period, as of a date, as a PDF for donors and the decision body.

Every figure comes from the functions behind the pages, so the report equals them for the same
records: `fund.coverage.queries.coverage` (the dashboard: objectives, thematic areas, regions,
markers, organizations, flags) and `fund.finance.queries` (the balance page: balance, pipeline,
contributions, allocations). What the pages do not show is derived here from those figures only:
contributions summed by donor, and each region's money split over its countries.

Scope: the call and the period select the programmes exactly as on the dashboard (a programme's
date is its allocation date, else its submission date). The fund's balance and its donors are
the whole fund's, whatever the call or period: money is not raised per call.

As of a date: events after the end of that day (UTC) are left out: contributions received and
voids made later, allocations dated later, disbursements paid later, transitions recorded later
(see `fund.finance.queries` for the rule on a proposal's state). Without a date the report shows
the records as they stand when it is made.

Every page carries the audit trail's head (event number and SHA-256 hash) at the time of
generation: a printed report can be traced to the exact records it was made from.

`decision_pdf` builds its tables with the helpers of this module (`ReportStyles`, `data_table`,
`fact_table`).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import select

from fund import money as money_rules
from fund.audit.queries import head
from fund.calls.models import Call
from fund.coverage.charts import nice_scale
from fund.coverage.queries import (
    FLAG_LABELS,
    GLOBAL_LABEL,
    GLOBAL_REGION,
    PIPELINE_ONLY,
    UNCOVERED,
    UNDER_TARGET,
    Coverage,
    CoverageFilters,
    CoverageRow,
    CoverageSettings,
    coverage,
)
from fund.extensions import db
from fund.finance.models import Allocation
from fund.finance.queries.as_of import end_of_day
from fund.finance.queries.balance import Balance, VoidedContribution, voided_contributions
from fund.finance.queries.balance import balance as fund_balance
from fund.finance.queries.lists import allocations, contributions
from fund.finance.queries.pipeline import Pipeline, PipelineRow
from fund.finance.queries.pipeline import pipeline as fund_pipeline
from fund.proposals.models import Proposal, proposal_countries, proposal_reference
from fund.proposals.operations import rules_from_config
from fund.reference.models import Country
from fund.reports.pdf.styles import BOLD, REGULAR, display_text, markup, register_fonts
from fund.reports.proposal_pdf import (
    BLUE,
    CONTENT_WIDTH,
    LINE,
    MARGIN,
    SOFT,
    PageFurniture,
    numbered_canvas,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Colours of the bars, as on the dashboard's chart.
FUNDED_COLOUR = colors.HexColor("#0b4f8a")
PIPELINE_COLOUR = colors.HexColor("#2e7d32")
REVIEW_COLOUR = colors.HexColor("#a15c00")
FLAG_COLOUR = colors.HexColor("#b3261e")
MUTED = colors.HexColor("#4a5560")
# The frame of SimpleDocTemplate pads its content by 6 points on each side.
TEXT_WIDTH = CONTENT_WIDTH - 12


# Shared PDF helpers (also used by decision_pdf) ---------------------------------------------


class ReportStyles:
    def __init__(self) -> None:
        family = register_fonts()
        self.body = ParagraphStyle("body", fontName=family, fontSize=9.5, leading=13)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=10)
        self.head = ParagraphStyle("head", parent=self.small, fontName=BOLD)
        self.note = ParagraphStyle(
            "note", parent=self.small, textColor=MUTED, spaceBefore=3, spaceAfter=3
        )
        self.warning = ParagraphStyle(
            "warning", parent=self.body, textColor=FLAG_COLOUR, fontName=BOLD
        )
        self.title = ParagraphStyle(
            "title", parent=self.body, fontName=BOLD, fontSize=18, leading=23, spaceAfter=6
        )
        self.cover_title = ParagraphStyle(
            "cover_title", parent=self.title, fontSize=24, leading=30, textColor=BLUE
        )
        self.meta = ParagraphStyle("meta", parent=self.body, textColor=colors.HexColor("#444444"))
        self.h2 = ParagraphStyle(
            "h2",
            parent=self.body,
            fontName=BOLD,
            fontSize=13,
            leading=16,
            textColor=BLUE,
            spaceBefore=12,
            spaceAfter=5,
        )
        self.h3 = ParagraphStyle(
            "h3", parent=self.body, fontName=BOLD, fontSize=10, spaceBefore=8, spaceAfter=3
        )

    def para(self, text: Any, style: ParagraphStyle | None = None) -> Paragraph:
        shown = "—" if text is None else str(text)
        return Paragraph(markup(shown), style or self.body)


def _split_word(line: str, font: str, size: float, width: float) -> list[str]:
    """A line wider than `width` (one long word: an e-mail address, a hash) cut into pieces."""
    pieces = []
    while len(line) > 1 and stringWidth(line, font, size) > width:
        low, high = 1, len(line) - 1  # the longest prefix that fits, at least one character
        while low < high:
            middle = (low + high + 1) // 2
            if stringWidth(line[:middle], font, size) <= width:
                low = middle
            else:
                high = middle - 1
        pieces.append(line[:low])
        line = line[low:]
    return [*pieces, line]


def wrap_text(text: str, font: str, size: float, width: float, hard: float | None = None) -> str:
    """`text` broken at spaces into lines that fit `width` points, each ready to draw; a word
    wider than `hard` (default: `width`) is cut, so it never runs into the next column."""
    lines = []
    for paragraph in text.split("\n"):
        for line in simpleSplit(paragraph, font, size, width) or [""]:
            lines += _split_word(line, font, size, hard or width)
    return "\n".join(display_text(line) for line in lines)


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    numeric: Sequence[int] = (),
    total: Sequence[Any] | None = None,
    size: float = 8,
) -> Table:
    """A table filling the text width (`widths` are fractions of it), its header repeated on
    every page, numbers right-aligned, None shown as a dash, the header and the total in bold.

    Cells are plain text broken into lines here, not paragraphs: a list of thousands of
    programmes is laid out in a second instead of ten."""
    register_fonts()
    padding = 3
    room = [w * TEXT_WIDTH - 2 * padding for w in widths]

    def line(values: Sequence[Any], font: str) -> list[str]:
        cells = []
        for column, value in enumerate(values):
            text = "—" if value is None else str(value)
            # A word may use the cell's inner padding, not its neighbour's.
            cells.append(wrap_text(text, font, size, room[column], room[column] + padding))
        return cells

    data = [line(header, BOLD)] + [line(row, REGULAR) for row in rows]
    if total is not None:
        data.append(line(total, BOLD))
    table = Table(data, colWidths=[w * TEXT_WIDTH for w in widths], repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, size, size + 2),  # the cell default is Helvetica
        ("FONT", (0, 0), (-1, 0), BOLD, size, size + 2),
        ("BACKGROUND", (0, 0), (-1, 0), SOFT),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, BLUE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
    ]
    commands += [("ALIGN", (i, 0), (i, -1), "RIGHT") for i in numeric]
    if total is not None:
        commands += [
            ("FONT", (0, -1), (-1, -1), BOLD, size, size + 2),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, BLUE),
        ]
    table.setStyle(TableStyle(commands))
    return table


def fact_table(
    styles: ReportStyles, pairs: Sequence[tuple[str, Any]], label_width: float = 0.3
) -> Table:
    """Label-value pairs in two columns."""
    data = [
        [styles.para(label, styles.head), styles.para(value, styles.small)]
        for label, value in pairs
    ]
    table = Table(data, colWidths=[label_width * TEXT_WIDTH, (1 - label_width) * TEXT_WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 8),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def percent(share: Decimal | None) -> str:
    return "—" if share is None else f"{share * 100:.2f}%"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def long_time(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def fit(text: str, width: float, font: str = REGULAR, size: float = 8) -> str:
    """`text` shortened with an ellipsis to fit `width` points."""
    text = display_text(text)
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


# The report's data -------------------------------------------------------------------------


@dataclass(frozen=True)
class DonorRow:
    donor: str
    name: str
    contributions: int
    gross: Decimal
    fee: Decimal
    net: Decimal


@dataclass(frozen=True)
class CountryRow:
    iso2: str
    name: str
    region: str
    programmes: int
    funded: Decimal


@dataclass(frozen=True)
class ProgrammeRow:
    proposal_id: int
    title: str
    organization: str
    countries: tuple[str, ...]
    allocated_on: date
    amount: Decimal
    disbursed: Decimal

    @property
    def reference(self) -> str:
        return proposal_reference(self.proposal_id)


@dataclass
class AllocationReport:
    """Everything the report shows, read once."""

    fund_name: str
    decision_body: str
    filters: CoverageFilters
    call_title: str | None
    as_of: date | None  # None: the records as they stand at `generated_at`
    generated_at: datetime
    coverage: Coverage
    balance: Balance
    pipeline: Pipeline
    pipeline_rows: list[PipelineRow]  # those of the selection
    donors: list[DonorRow]
    voided: list[VoidedContribution]
    countries: list[CountryRow]
    programmes: list[ProgrammeRow]
    head: tuple[int, str] | None  # the newest audit event (id, hash) when the report was made

    @property
    def day(self) -> date:
        """The date the figures stand at."""
        return self.as_of or self.generated_at.date()

    @property
    def scope(self) -> str:
        parts = [f"Call: {self.call_title}" if self.call_title else "All calls"]
        f = self.filters
        if f.date_from and f.date_to:
            parts.append(f"{long_date(f.date_from)} to {long_date(f.date_to)}")
        elif f.date_from:
            parts.append(f"from {long_date(f.date_from)}")
        elif f.date_to:
            parts.append(f"up to {long_date(f.date_to)}")
        else:
            parts.append("all dates")
        return " · ".join(parts)

    @property
    def programmes_allocated(self) -> Decimal:
        return sum((p.amount for p in self.programmes), ZERO)

    @property
    def programmes_disbursed(self) -> Decimal:
        return sum((p.disbursed for p in self.programmes), ZERO)

    @property
    def pipeline_total(self) -> Decimal:
        return sum((r.total for r in self.pipeline_rows), ZERO)


def _in_period(day: date | None, filters: CoverageFilters) -> bool:
    if day is None:
        return not (filters.date_from or filters.date_to)
    return not (
        (filters.date_from and day < filters.date_from)
        or (filters.date_to and day > filters.date_to)
    )


def _donors(contributions: Sequence[Any], as_of: date | None) -> list[DonorRow]:
    """The contributions counted in the balance, summed by donor (largest gross first)."""
    end = end_of_day(as_of) if as_of else None
    sums: dict[int, list[Any]] = {}
    for c in contributions:
        if c.void is not None and (end is None or c.void.voided_at < end):
            continue
        row = sums.setdefault(c.donor_id, [c.donor, 0, ZERO, ZERO, ZERO])
        row[1] += 1
        row[2] += money_rules.read_amount(c.gross)
        row[3] += money_rules.read_amount(c.fee)
        row[4] += money_rules.read_amount(c.net)
    rows = [
        DonorRow(d.acronym or d.name, d.name, n, gross, fee, net)
        for d, n, gross, fee, net in sums.values()
    ]
    return sorted(rows, key=lambda r: (-r.gross, r.donor))


def _countries(
    programmes: Sequence[ProgrammeRow],
    places: Mapping[int, list[Any]],
    regions: Sequence[CoverageRow],
) -> list[CountryRow]:
    """Each programme's funded money over its countries, in whole cents per programme: split
    evenly over its regions as the coverage does (`fund.money.split_evenly`, regions in M49
    code order), then each region's part evenly over the programme's countries in it (ISO code
    order). The countries of a region add up to its coverage figure."""
    cents: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counts: dict[str, int] = defaultdict(int)
    names: dict[str, tuple[str, str]] = {}
    for programme in programmes:
        by_region: dict[str, list[Any]] = defaultdict(list)
        for place in places.get(programme.proposal_id, []):
            by_region[place.region_m49].append(place)
        if not by_region:
            cents[GLOBAL_REGION][""] += money_rules.cents(programme.amount)
            counts[""] += 1
            continue
        parts = money_rules.split_evenly(money_rules.cents(programme.amount), sorted(by_region))
        for region, countries in by_region.items():
            countries = sorted(countries, key=lambda place: place.iso2)
            shares = money_rules.split_evenly(parts[region], [p.iso2 for p in countries])
            for place in countries:
                cents[region][place.iso2] += shares[place.iso2]
                counts[place.iso2] += 1
                names[place.iso2] = (place.name, place.region)
    rows = []
    for region in regions:
        within = cents.get(region.key)
        if not within:
            continue
        for iso2 in sorted(within, key=lambda k: names.get(k, (GLOBAL_LABEL,))[0]):
            name, region_name = names.get(iso2, (GLOBAL_LABEL, region.label))
            rows.append(
                CountryRow(
                    iso2=iso2,
                    name=name,
                    region=region_name,
                    programmes=counts[iso2],
                    funded=money_rules.from_cents(within[iso2]),
                )
            )
    return rows


def build_allocation_report(
    config: Mapping[str, Any],
    *,
    filters: CoverageFilters | None = None,
    as_of: date | None = None,
    generated_at: datetime,
) -> AllocationReport:
    """Read the report's figures. An as-of date on or after the day of generation is the same
    as none: the records as they stand already are the state at the end of today.
    A fixed number of queries, whatever the number of programmes."""
    filters = filters or CoverageFilters()
    if as_of is not None and as_of >= generated_at.date():
        as_of = None
    settings = CoverageSettings.from_config(config)
    covered = coverage(filters, include_pipeline=True, settings=settings, as_of=as_of)
    money = fund_balance(as_of)
    pipeline = fund_pipeline(
        rules_from_config(config).indirect_rate, money.available_by_pool(), as_of
    )
    facts = {
        row.id: (row.call_id, row.submitted_at)
        for row in db.session.execute(select(Proposal.id, Proposal.call_id, Proposal.submitted_at))
    }

    def in_call(proposal_id: int) -> bool:
        return not filters.call_id or facts[proposal_id][0] == filters.call_id

    def submitted_on(proposal_id: int) -> date | None:
        moment = facts[proposal_id][1]
        return moment.date() if moment else None

    places: dict[int, list[Any]] = defaultdict(list)
    query = (
        select(
            proposal_countries.c.proposal_id,
            Country.iso2,
            Country.name,
            Country.region_m49,
            Country.region,
        )
        .join(Country, Country.iso2 == proposal_countries.c.country_iso2)
        .join(Allocation, Allocation.proposal_id == proposal_countries.c.proposal_id)
        .order_by(proposal_countries.c.proposal_id, Country.iso2)
    )
    if as_of is not None:
        query = query.where(Allocation.allocated_on <= as_of)
    for row in db.session.execute(query):
        places[row.proposal_id].append(row)

    programmes = sorted(
        (
            ProgrammeRow(
                proposal_id=a.proposal_id,
                title=a.title,
                organization=a.organization,
                countries=tuple(p.iso2 for p in places.get(a.proposal_id, [])),
                allocated_on=a.allocated_on,
                amount=a.amount,
                disbursed=a.disbursed,
            )
            for a in allocations(as_of)
            if in_call(a.proposal_id) and _in_period(a.allocated_on, filters)
        ),
        key=lambda p: p.proposal_id,
    )
    call_title = (
        db.session.scalar(select(Call.title).where(Call.id == filters.call_id))
        if filters.call_id
        else None
    )
    return AllocationReport(
        fund_name=str(config["FUND_NAME"]),
        decision_body=str(config["DECISION_BODY_NAME"]),
        filters=filters,
        call_title=call_title,
        as_of=as_of,
        generated_at=generated_at,
        coverage=covered,
        balance=money,
        pipeline=pipeline,
        pipeline_rows=[
            r
            for r in pipeline.rows
            if in_call(r.proposal_id) and _in_period(submitted_on(r.proposal_id), filters)
        ],
        donors=_donors(contributions(as_of), as_of),
        voided=voided_contributions(as_of),
        countries=_countries(programmes, places, covered.regions),
        programmes=programmes,
        head=head(),
    )


# Charts ------------------------------------------------------------------------------------


def _compact(value: Decimal) -> str:
    """Axis labels: 0, 250k, 1.5M."""
    if value >= 1_000_000:
        return f"{(value / 1_000_000).normalize():f}M"
    if value >= 1_000:
        return f"{(value / 1_000).normalize():f}k"
    return f"{value.normalize():f}"


def bar_chart(
    rows: Sequence[CoverageRow], funded_total: Decimal, *, targets: bool, titled: bool = False
) -> Drawing:
    """Horizontal bars per row: funded, then approved (pipeline), then under review, stacked;
    the target as a tick (the money the row would have at its target share of the funded
    total); the flag written after the bar. `titled` labels rows with their titles too."""
    register_fonts()
    label_width, flag_width, row_height, bar_height = 150.0, 62.0, 13.0, 8.0
    top, bottom = 24.0, 20.0
    width = TEXT_WIDTH
    height = top + bottom + row_height * len(rows)
    plot_left, plot_right = label_width + 6, width - flag_width
    peak = max(
        [r.funded + r.pending for r in rows]
        + [(r.target or ZERO) * funded_total for r in rows if targets],
        default=ZERO,
    )
    scale_top, step = nice_scale(peak)
    per_unit = (plot_right - plot_left) / float(scale_top)
    drawing = Drawing(width, height)
    drawing.initialFontName = REGULAR  # else the renderer starts with Helvetica

    def x(amount: Decimal) -> float:
        return plot_left + float(amount) * per_unit

    # Legend.
    legend = [
        ("Funded", FUNDED_COLOUR),
        ("Approved (pipeline)", PIPELINE_COLOUR),
        ("Under committee review", REVIEW_COLOUR),
    ]
    cursor = plot_left
    for text, colour in legend:
        drawing.add(Rect(cursor, height - 10, 8, 7, fillColor=colour, strokeColor=None))
        drawing.add(String(cursor + 11, height - 9, text, fontName=REGULAR, fontSize=7))
        cursor += 16 + stringWidth(text, REGULAR, 7) + 8
    if targets:
        drawing.add(Line(cursor + 4, height - 11, cursor + 4, height - 2, strokeWidth=1.5))
        drawing.add(String(cursor + 9, height - 9, "Target share", fontName=REGULAR, fontSize=7))
    # Grid and axis.
    tick = Decimal(0)
    while tick <= scale_top:
        gx = x(tick)
        drawing.add(Line(gx, bottom, gx, height - top + 4, strokeColor=LINE, strokeWidth=0.4))
        drawing.add(
            String(
                gx,
                bottom - 10,
                _compact(tick),
                fontName=REGULAR,
                fontSize=6.5,
                textAnchor="middle",
                fillColor=MUTED,
            )
        )
        tick += step
    drawing.add(
        String(
            plot_right, 1, "USD", fontName=REGULAR, fontSize=6.5, textAnchor="end", fillColor=MUTED
        )
    )
    # Bars.
    for index, row in enumerate(rows):
        y = height - top - row_height * (index + 1)
        bar_y = y + (row_height - bar_height) / 2
        drawing.add(
            String(
                label_width,
                bar_y + 1.5,
                fit(f"{row.label}: {row.title}" if titled else row.label, label_width, size=7.5),
                fontName=REGULAR,
                fontSize=7.5,
                textAnchor="end",
            )
        )
        start = ZERO
        for amount, colour in (
            (row.funded, FUNDED_COLOUR),
            (row.pipeline or ZERO, PIPELINE_COLOUR),
            (row.review or ZERO, REVIEW_COLOUR),
        ):
            if amount > 0:
                drawing.add(
                    Rect(
                        x(start),
                        bar_y,
                        float(amount) * per_unit,
                        bar_height,
                        fillColor=colour,
                        strokeColor=None,
                    )
                )
                start += amount
        if targets and row.target is not None:
            tx = x(row.target * funded_total)
            drawing.add(Line(tx, y + 1, tx, y + row_height - 1, strokeWidth=1.5))
        if row.flag:
            drawing.add(
                String(
                    plot_right + 6,
                    bar_y + 1.5,
                    FLAG_LABELS[row.flag],
                    fontName=BOLD,
                    fontSize=6.5,
                    fillColor=FLAG_COLOUR,
                )
            )
    return drawing


# The document ------------------------------------------------------------------------------


class AllocationDocument:
    """Builds the flowables of the report."""

    def __init__(self, report: AllocationReport) -> None:
        self.report = report
        self.s = ReportStyles()

    def heading(self, text: str, *blocks: Flowable, long: bool = False) -> list[Flowable]:
        """A section heading kept with the start of its content; before `long` content (a
        table that may run over pages) it only asks for room at the foot of the page."""
        head = Paragraph(markup(text), self.s.h2)
        if long:
            return [CondPageBreak(45 * mm), head, *blocks]
        return [KeepTogether([head, blocks[0]]), *blocks[1:]] if blocks else [head]

    def sub(self, text: str, *blocks: Flowable) -> Flowable:
        """A subheading with its (short) content, on one page."""
        return KeepTogether([Paragraph(markup(text), self.s.h3), *blocks])

    def long_sub(self, text: str, *blocks: Flowable) -> list[Flowable]:
        """A subheading with content that may run over pages: not alone at a page's foot."""
        return [CondPageBreak(40 * mm), Paragraph(markup(text), self.s.h3), *blocks]

    def note(self, text: str) -> Paragraph:
        return Paragraph(markup(text), self.s.note)

    def story(self) -> list[Flowable]:
        return [
            *self.cover(),
            PageBreak(),
            *self.summary(),
            *self.donors(),
            *self.areas(),
            *self.objectives(),
            *self.gaps(),
            *self.regions(),
            *self.organizations(),
            *self.markers(),
            *self.pipeline(),
            *self.programmes(),
            *self.method(),
        ]

    # Cover -----------------------------------------------------------------------------

    def cover(self) -> list[Flowable]:
        r, s = self.report, self.s
        trail = (
            f"Event {r.head[0]}, SHA-256 hash {r.head[1]}"
            if r.head
            else "The audit trail is empty."
        )
        standing = (
            f"{long_date(r.day)} (end of the day, UTC)"
            if r.as_of
            else f"{long_date(r.day)}: the records as they stood when the report was made"
        )
        return [
            Spacer(1, 40 * mm),
            Paragraph(markup(r.fund_name), s.meta),
            Paragraph("Fund allocation report", s.cover_title),
            Paragraph(markup(r.scope), s.h3),
            Spacer(1, 10 * mm),
            fact_table(
                s,
                [
                    ("As of", standing),
                    ("Programmes", r.scope),
                    ("Generated", long_time(r.generated_at)),
                    ("Audit trail head", trail),
                ],
                label_width=0.22,
            ),
            Spacer(1, 8 * mm),
            self.note(
                "The figures are those of the fund's coverage dashboard and balance page for the "
                "same records; the last section explains how each is counted. Every page shows "
                "the newest event of the audit trail when the report was made. Each event's "
                "hash covers the one before it, so this hash identifies the whole trail up to "
                "then: `flask fund audit verify` and the audit log show that the trail is intact "
                "and still contains this event, and a printed copy can be traced to the records "
                "it was made from."
            ),
        ]

    # Summary ---------------------------------------------------------------------------

    def summary(self) -> list[Flowable]:
        r = self.report
        t, c = r.balance.total, r.coverage.totals
        fund_rows = [
            ("Contributions received (gross)", money(t.gross)),
            ("Administrative Agent fee", money(t.fees)),
            ("Net contributions", money(t.net)),
            ("Allocated to programmes", money(t.allocated)),
            ("Disbursed to participating organizations", money(t.disbursed)),
            ("Allocated, not yet disbursed", money(t.committed)),
            ("Available to allocate", money(t.available)),
            (
                f"Pipeline: approved, awaiting funding ({len(r.pipeline.rows)})",
                money(r.pipeline.total),
            ),
            ("Of the pipeline, fundable now from the pools", money(r.pipeline.fundable_total)),
        ]
        selection_rows = [
            (f"Funded programmes ({c.programmes})", money(c.funded)),
            ("of which direct costs", money(c.funded_direct)),
            ("of which indirect support costs", money(c.funded_indirect)),
            (
                f"Allocations recorded for these programmes ({len(r.programmes)})",
                money(r.programmes_allocated),
            ),
            ("Disbursed on these allocations", money(r.programmes_disbursed)),
            (f"Approved, awaiting funding ({c.pipeline_programmes})", money(c.pipeline)),
            (f"Under {r.decision_body} review ({c.review_programmes})", money(c.review)),
        ]
        blocks: list[Flowable] = [
            *self.heading(
                f"Summary as of {long_date(r.day)}",
                self.sub(
                    "The fund's money (whole fund)",
                    data_table(("", "USD"), fund_rows, (0.7, 0.3), numeric=(1,)),
                ),
            ),
            self.sub(
                f"The programmes of this report ({r.scope})",
                data_table(("", "USD"), selection_rows, (0.7, 0.3), numeric=(1,)),
            ),
        ]
        if c.funded != r.programmes_allocated:
            blocks.append(
                self.note(
                    f"The funded programmes' budgets (USD {money(c.funded)}, counted as on the "
                    f"dashboard) differ from their recorded allocations (USD "
                    f"{money(r.programmes_allocated)}): a budget changed after its allocation."
                )
            )
        pools = [
            (p.label, money(p.net), money(p.allocated), money(p.disbursed), money(p.available))
            for p in r.balance.pools
        ]
        blocks.append(
            self.sub(
                "By pool (unearmarked money and earmarks per thematic area)",
                data_table(
                    ("Pool", "Net received", "Allocated", "Disbursed", "Available"),
                    pools,
                    (0.28, 0.18, 0.18, 0.18, 0.18),
                    numeric=(1, 2, 3, 4),
                    total=(
                        "All pools",
                        money(t.net),
                        money(t.allocated),
                        money(t.disbursed),
                        money(t.available),
                    ),
                ),
            )
        )
        return blocks

    def donors(self) -> list[Flowable]:
        r = self.report
        t = r.balance.total
        rows = [
            (
                f"{d.donor}: {d.name}" if d.name != d.donor else d.donor,
                d.contributions,
                money(d.gross),
                money(d.fee),
                money(d.net),
            )
            for d in r.donors
        ]
        table = (
            data_table(
                ("Donor", "Deposits", "Gross (USD)", "Fee (USD)", "Net (USD)"),
                rows,
                (0.34, 0.12, 0.18, 0.18, 0.18),
                numeric=(1, 2, 3, 4),
                total=("All donors", t.contributions, money(t.gross), money(t.fees), money(t.net)),
            )
            if rows
            else self.note("No contribution has been received.")
        )
        blocks = self.heading("Contributions by donor", table)
        if r.voided:
            blocks.append(
                self.note(
                    f"Left out: {len(r.voided)} contribution(s) voided as entered by mistake "
                    "("
                    + "; ".join(
                        f"{v.donor}, {long_date(v.received_on)}, USD {money(v.gross)}: {v.reason}"
                        for v in r.voided
                    )
                    + ")."
                )
            )
        return blocks

    # Coverage --------------------------------------------------------------------------

    def coverage_table(
        self, rows: Sequence[CoverageRow], first: str, *, targets: bool = True, title: bool = False
    ) -> Table:
        header = [first, "Funded", "Share", "Target", "Approved", "Under review", "Prog.", "Flag"]
        widths = [0.22, 0.155, 0.085, 0.075, 0.15, 0.15, 0.06, 0.105]
        if not targets:
            header, widths = header[:3] + header[4:7], [0.31, 0.16, 0.09, 0.16, 0.16, 0.12]
        data = []
        for row in rows:
            label = f"{row.label}: {row.title}" if title and row.title != row.label else row.label
            values = [label, money(row.funded), percent(row.share)]
            if targets:
                values.append(percent(row.target))
            values += [money(row.pipeline), money(row.review), row.programmes]
            if targets:
                values.append(row.flag_label)
            data.append(values)
        if not targets:
            header[-1] = "Programmes"
        numeric = tuple(range(1, 7 if targets else 6))
        total_funded = self.report.coverage.totals.funded
        total = ["Total", money(total_funded), "100.00%" if total_funded else ""]
        if targets:
            total.append("")
        total += [
            money(sum((r.pipeline or ZERO for r in rows), ZERO)),
            money(sum((r.review or ZERO for r in rows), ZERO)),
            "",
        ]
        if targets:
            total.append("")
        return data_table(header, data, widths, numeric=numeric, total=total, size=7.5)

    def areas(self) -> list[Flowable]:
        c = self.report.coverage
        return [
            CondPageBreak(120 * mm),
            *self.heading(
                "Allocations by thematic area",
                bar_chart(c.areas, c.totals.funded, targets=True, titled=True),
                Spacer(1, 4),
                self.coverage_table(c.areas, "Thematic area", title=True),
                self.note(
                    "An objective that lies in several thematic areas gives each an equal part "
                    "of its money, so the areas add up to the total."
                ),
            ),
        ]

    def objectives(self) -> list[Flowable]:
        c = self.report.coverage
        return [
            PageBreak(),
            *self.heading(
                "Allocations by GCM objective",
                bar_chart(c.objectives, c.totals.funded, targets=True),
            ),
            Spacer(1, 4),
            self.coverage_table(c.objectives, "GCM objective"),
            self.note(
                "Indirect support costs are spread over the objectives in proportion to the "
                "direct costs budgeted for each."
            ),
        ]

    def gap_text(self, row: CoverageRow) -> str:
        """Why the row is flagged, with its figures."""
        settings = self.report.coverage.settings
        target = percent(row.target or ZERO)
        if row.flag == UNCOVERED:
            return f"Nothing funded, approved or under review, for a target of {target}."
        if row.flag == PIPELINE_ONLY:
            waiting = [
                f"USD {money(amount)} {what}"
                for amount, what in (
                    (row.pipeline, "approved, awaiting funding"),
                    (row.review, f"under {self.report.decision_body} review"),
                )
                if amount
            ]
            return f"Nothing funded yet; {' and '.join(waiting)}. Target {target}."
        if row.flag == UNDER_TARGET:
            at_target = ((row.target or ZERO) * self.report.coverage.totals.funded).quantize(CENT)
            return (
                f"USD {money(row.funded)} funded, {percent(row.share)} of the funded money: "
                f"below {percent(settings.under_target_fraction)} of its target of {target} "
                f"(USD {money(at_target)} at target)."
            )
        return (
            f"USD {money(row.funded)} funded, {percent(row.share)} of the funded money: more "
            f"than {settings.concentrated_multiple.normalize()} times its target of {target}."
        )

    def gaps(self) -> list[Flowable]:
        c = self.report.coverage
        flagged = [("Thematic area", r) for r in c.areas if r.flag] + [
            ("Objective", r) for r in c.objectives if r.flag
        ]
        settings = c.settings
        explain = self.note(
            "Flags compare each row's share of the funded money with its target share: "
            "uncovered (nothing funded, approved or under review), pipeline only (nothing "
            "funded yet, but money approved or under review), under target (below "
            f"{percent(settings.under_target_fraction)} of the target), concentrated (above "
            f"{settings.concentrated_multiple.normalize()} times the target). A row whose target "
            "is 0% is never uncovered or under target."
        )
        if not flagged:
            return self.heading(
                "Coverage gaps",
                self.para("No thematic area or objective is flagged."),
                explain,
            )
        rows = [
            (
                f"{kind} {row.label}" + (f": {row.title}" if kind == "Thematic area" else ""),
                row.flag_label,
                self.gap_text(row),
            )
            for kind, row in flagged
        ]
        return self.heading(
            "Coverage gaps",
            data_table(("Where", "Flag", "Why"), rows, (0.32, 0.13, 0.55)),
            explain,
            long=True,
        )

    def para(self, text: str) -> Paragraph:
        return Paragraph(markup(text), self.s.body)

    def regions(self) -> list[Flowable]:
        r = self.report
        c = r.coverage
        countries = (
            data_table(
                ("Country", "Region", "Programmes", "Funded (USD)"),
                [
                    (
                        f"{row.name} ({row.iso2})" if row.iso2 else row.name,
                        row.region,
                        row.programmes,
                        money(row.funded),
                    )
                    for row in r.countries
                ],
                (0.4, 0.3, 0.12, 0.18),
                numeric=(2, 3),
                total=("All countries", "", "", money(sum((x.funded for x in r.countries), ZERO))),
            )
            if r.countries
            else self.note("No funded programme.")
        )
        return [
            CondPageBreak(70 * mm),
            *self.heading(
                "Allocations by region",
                self.coverage_table(c.regions, "M49 region"),
                self.note(
                    "A programme's money is split equally over the distinct regions of its "
                    "countries; a programme without countries counts under “Global”. The target "
                    "of a region is an equal share."
                ),
            ),
            *self.long_sub("Funded money by country", countries),
            self.note(
                "Each region's funded money over its countries: a programme's money is split "
                "equally over its regions, then equally over its countries in each region."
            ),
        ]

    def organizations(self) -> list[Flowable]:
        c = self.report.coverage
        return self.heading(
            "Allocations by participating organization",
            self.coverage_table(c.organizations, "Organization", targets=False, title=True),
            self.note(
                "An organization's money is its own direct costs and its own indirect support "
                "costs in the programmes' budgets."
            ),
            long=True,
        )

    def markers(self) -> list[Flowable]:
        c = self.report.coverage
        blocks: list[Flowable] = [CondPageBreak(110 * mm)]
        blocks += self.heading(
            "Gender and human rights markers",
            self.sub(
                "Gender marker",
                bar_chart(c.gender_markers, c.totals.funded, targets=False, titled=True),
                self.coverage_table(c.gender_markers, "Score", targets=False, title=True),
            ),
        )
        blocks.append(
            self.sub(
                "Human rights marker",
                bar_chart(c.human_rights_markers, c.totals.funded, targets=False, titled=True),
                self.coverage_table(c.human_rights_markers, "Score", targets=False, title=True),
            )
        )
        blocks.append(self.note("A programme counts fully under its marker scores."))
        return blocks

    def pipeline(self) -> list[Flowable]:
        r = self.report
        if not r.pipeline_rows:
            return self.heading("Pipeline", self.para("No approved proposal awaits funding."))
        rows = [
            (
                proposal_reference(p.proposal_id),
                p.title,
                p.organization,
                p.approved_at.date().isoformat() if p.approved_at else None,
                money(p.total),
                money(p.running_total),
                "Yes" if p.fundable else f"No ({money(p.shortfall)} short)",
            )
            for p in r.pipeline_rows
        ]
        return [
            *self.heading(
                "Pipeline: approved, awaiting funding",
                data_table(
                    (
                        "Ref.",
                        "Title",
                        "Org.",
                        "Approved",
                        "Budget",
                        "Running total",
                        "Fundable now",
                    ),
                    rows,
                    (0.085, 0.225, 0.1, 0.11, 0.15, 0.15, 0.18),
                    numeric=(4, 5),
                    size=7.5,
                    total=("Total", "", "", "", money(r.pipeline_total), "", ""),
                ),
                long=True,
            ),
            self.note(
                "In order of approval. The running total and “fundable now” are over the whole "
                "fund's pipeline: each proposal in turn from its own pools (earmarks of its "
                "primary objective's areas, then unearmarked money), with the money available "
                f"as of {long_date(r.day)}."
            ),
        ]

    def programmes(self) -> list[Flowable]:
        r, s = self.report, self.s
        head = Paragraph(markup(f"List of the funded programmes ({len(r.programmes)})"), s.h2)
        if not r.programmes:
            return [head, self.para("No programme is funded.")]
        rows = [
            (
                p.reference,
                p.title,
                p.organization,
                ", ".join(p.countries) or "Global",
                p.allocated_on.isoformat(),
                money(p.amount),
                money(p.disbursed),
            )
            for p in r.programmes
        ]
        table = data_table(
            ("Ref.", "Title", "Org.", "Countries", "Allocated on", "Allocated", "Disbursed"),
            rows,
            (0.085, 0.285, 0.1, 0.12, 0.11, 0.15, 0.15),
            numeric=(5, 6),
            size=7.5,
            total=(
                "Total",
                "",
                "",
                "",
                "",
                money(r.programmes_allocated),
                money(r.programmes_disbursed),
            ),
        )
        return [CondPageBreak(60 * mm), head, table]

    def method(self) -> list[Flowable]:
        r = self.report
        as_of = (
            f"The figures stand at the end of {long_date(r.day)} (UTC): contributions received "
            "and voids made after it, allocations dated after it, disbursements paid after it "
            "and proposal decisions recorded after it are left out. A proposal counts as funded "
            "from its allocation date; otherwise its state that day is the one its last "
            "transition in the audit trail gave it. Budgets are the proposals' current ones."
            if r.as_of
            else "The figures are the records as they stood when the report was made."
        )
        points = [
            as_of,
            "Funded money: the budgets of the funded and closed programmes (direct costs plus "
            "indirect support costs at the fund's rate, rounded per organization), as on the "
            "coverage dashboard. Approved: proposals approved by the "
            f"{r.decision_body} awaiting funding. Under review: proposals before the "
            f"{r.decision_body}.",
            "Call and period select the programmes as on the dashboard: a programme's date is "
            "its allocation date when it has one, else the date it was submitted. The fund's "
            "money, the pools and the donors are always those of the whole fund.",
            "Contributions: gross as received, less the Administrative Agent's fee, give the net "
            "added to the pools; voided contributions count nowhere.",
            "Amounts are in US dollars, exact to the cent. Shares are of the funded money.",
        ]
        return [
            CondPageBreak(50 * mm),
            *self.heading(
                "How the figures are counted",
                *[Paragraph("• " + markup(p), self.s.small) for p in points],
            ),
        ]


def header_right(fund_name: str, candidates: Sequence[str]) -> str:
    """The first of `candidates` that fits beside the fund's name in the page header."""
    register_fonts()
    room = CONTENT_WIDTH - stringWidth(display_text(fund_name), BOLD, 8) - 24
    for text in candidates:
        if stringWidth(display_text(text), REGULAR, 8) <= room:
            return text
    return candidates[-1]


def audit_footer(newest: tuple[int, str] | None) -> str:
    """The audit trail's head, for the page footer (the full hash: it identifies the trail)."""
    if newest is None:
        return "Audit trail empty"
    return f"Audit trail head #{newest[0]} {newest[1]}"


def furniture(report: AllocationReport) -> PageFurniture:
    """Header: the fund, the report's date and when it was made; footer: the audit head."""
    day, made = report.day, report.generated_at
    return PageFurniture(
        header_left=report.fund_name,
        header_right=header_right(
            report.fund_name,
            [
                f"Allocation report as of {long_date(day)} · generated {long_time(made)}",
                f"Allocation report as of {day:%d %b %Y} · generated {made:%d %b %Y %H:%M} UTC",
                f"As of {day:%d %b %Y} · generated {made:%d %b %Y %H:%M} UTC",
            ],
        ),
        footer_left=audit_footer(report.head),
    )


def render_allocation_report(report: AllocationReport) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        title=f"Fund allocation report as of {long_date(report.day)}",
        author=report.fund_name,
        subject=report.scope,
    )
    doc.build(AllocationDocument(report).story(), canvasmaker=numbered_canvas(furniture(report)))
    return out.getvalue()
