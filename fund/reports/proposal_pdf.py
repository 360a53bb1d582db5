"""The proposal document: a submitted version of a proposal as a PDF, for reading offline.

It is made from the version's snapshot (what was submitted, never changed since), with names
looked up for the codes the snapshot stores. Every part of the snapshot has a section.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from fund.proposals.budget import Line, summarise
from fund.proposals.models import ATTACHMENT_KIND_LABELS, MARKER_LABELS, SCOPE_LABELS
from fund.proposals.snapshots import SNAPSHOT_LABELS
from fund.reports.pdf.styles import BOLD, REGULAR, display_text, markup, register_fonts
from fund.reports.queries import ReferenceNames, add_months

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
BLUE = colors.HexColor("#1f4e79")
LINE = colors.HexColor("#b8c4d0")
SOFT = colors.HexColor("#eef3f8")
# Sections that gather several parts of the snapshot (each part keeps its label inside).
SECTION_TITLES = {
    "scope": "Geography",
    "planned_start": "Timeline",
    "primary_objective": "GCM objectives",
    "gender_marker": "Gender and human rights markers",
    "budget_lines": "Budget",
}


@dataclass(frozen=True)
class PageFurniture:
    """What every page shows around its content."""

    header_left: str
    header_right: str
    footer_left: str


class NumberedCanvas(canvas.Canvas):
    """A canvas that draws the header and footer, with "Page N of M", once all pages are known."""

    def __init__(self, *args: Any, furniture: PageFurniture, **kwargs: Any) -> None:
        # Not even the canvas's initial font may be a standard one (Latin-1 only).
        kwargs["initialFontName"] = kwargs.get("initialFontName") or register_fonts()
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_furniture(total)
            super().showPage()
        super().save()

    def _draw_furniture(self, total: int) -> None:
        f = self._furniture
        self.saveState()
        self.setStrokeColor(LINE)
        self.setLineWidth(0.5)
        top = PAGE_HEIGHT - 12 * mm
        self.setFont(BOLD, 8)
        self.setFillColor(BLUE)
        self.drawString(MARGIN, top, display_text(f.header_left))
        self.setFont(REGULAR, 8)
        self.setFillColor(colors.black)
        self.drawRightString(PAGE_WIDTH - MARGIN, top, display_text(f.header_right))
        self.line(MARGIN, top - 2.5 * mm, PAGE_WIDTH - MARGIN, top - 2.5 * mm)
        bottom = 10 * mm
        self.line(MARGIN, bottom + 4 * mm, PAGE_WIDTH - MARGIN, bottom + 4 * mm)
        self.setFont(REGULAR, 7.5)
        self.drawString(MARGIN, bottom, display_text(f.footer_left))
        self.drawRightString(PAGE_WIDTH - MARGIN, bottom, f"Page {self._pageNumber} of {total}")
        self.restoreState()


def numbered_canvas(furniture: PageFurniture) -> Callable[..., NumberedCanvas]:
    """A canvasmaker for SimpleDocTemplate.build."""
    return partial(NumberedCanvas, furniture=furniture)


class _Styles:
    def __init__(self) -> None:
        family = register_fonts()
        self.body = ParagraphStyle("body", fontName=family, fontSize=9.5, leading=13)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8.5, leading=11)
        self.number = ParagraphStyle("number", parent=self.small, alignment=TA_RIGHT)
        self.head = ParagraphStyle("head", parent=self.small, fontName=BOLD)
        self.head_number = ParagraphStyle("head_number", parent=self.head, alignment=TA_RIGHT)
        self.title = ParagraphStyle(
            "title", parent=self.body, fontName=BOLD, fontSize=16, leading=20, spaceAfter=4
        )
        self.meta = ParagraphStyle("meta", parent=self.body, textColor=colors.HexColor("#444444"))
        self.h2 = ParagraphStyle(
            "h2",
            parent=self.body,
            fontName=BOLD,
            fontSize=12,
            leading=15,
            textColor=BLUE,
            spaceBefore=10,
            spaceAfter=4,
        )
        self.h3 = ParagraphStyle(
            "h3", parent=self.body, fontName=BOLD, fontSize=10, spaceBefore=6, spaceAfter=2
        )


def _amount(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text)) if text not in (None, "") else None
    except InvalidOperation:
        return None


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


class ProposalDocument:
    """Builds the flowables of one submitted version."""

    def __init__(self, snapshot: dict[str, Any], names: ReferenceNames) -> None:
        self.snapshot = snapshot
        self.names = names
        self.styles = _Styles()

    # small builders ---------------------------------------------------------------------

    def para(self, text: Any, style: ParagraphStyle | None = None) -> Paragraph:
        shown = "—" if text in (None, "", []) else str(text)
        return Paragraph(markup(shown), style or self.styles.body)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths: Sequence[float],
        numeric: Sequence[int] = (),
        total: Sequence[Any] | None = None,
    ) -> Table:
        """A table whose text wraps inside its columns; repeated header on every page."""
        s = self.styles

        def cell(value: Any, column: int, bold: bool = False) -> Paragraph:
            if column in numeric:
                style = s.head_number if bold else s.number
            else:
                style = s.head if bold else s.small
            return self.para(value, style)

        data = [[cell(h, i, bold=True) for i, h in enumerate(header)]]
        data += [[cell(v, i) for i, v in enumerate(row)] for row in rows]
        if total is not None:
            data.append([cell(v, i, bold=True) if v else "" for i, v in enumerate(total)])
        table = Table(data, colWidths=[w * CONTENT_WIDTH for w in widths], repeatRows=1)
        commands = [
            ("FONT", (0, 0), (-1, -1), REGULAR, 8.5),  # the cell default is Helvetica
            ("BACKGROUND", (0, 0), (-1, 0), SOFT),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, BLUE),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        if total is not None:
            commands.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, BLUE))
        table.setStyle(TableStyle(commands))
        return table

    def facts(self, pairs: Sequence[tuple[str, Any]]) -> Table:
        """Label-value pairs in two columns."""
        s = self.styles
        data = [[self.para(label, s.head), self.para(value, s.small)] for label, value in pairs]
        table = Table(data, colWidths=[0.3 * CONTENT_WIDTH, 0.7 * CONTENT_WIDTH])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), REGULAR, 8.5),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, LINE),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return table

    def section(self, key: str, *blocks: Flowable) -> list[Flowable]:
        """A heading kept with the start of its content."""
        title = (
            SECTION_TITLES.get(key)
            or SNAPSHOT_LABELS.get(key)
            or key.replace("_", " ").capitalize()
        )
        heading = Paragraph(markup(title), self.styles.h2)
        return [KeepTogether([heading, blocks[0]]), *blocks[1:]] if blocks else [heading]

    def organization(self, label: str | None) -> str:
        if not label:
            return "—"
        name = self.names.organizations.get(label)
        return f"{label}: {name}" if name and name != label else label

    def country(self, iso2: str) -> str:
        return f"{self.names.countries.get(iso2, iso2)} ({iso2})"

    def objective(self, number: Any) -> str:
        if number in (None, ""):
            return "—"
        label = self.names.objectives.get(int(number))
        return f"Objective {number}: {label}" if label else f"Objective {number}"

    def category(self, code: Any) -> str:
        title = self.names.categories.get(int(code)) if code not in (None, "") else None
        return f"{code}. {title}" if title else str(code)

    # sections ---------------------------------------------------------------------------

    def story(self) -> list[Flowable]:
        snap = self.snapshot
        blocks: list[Flowable] = []
        blocks += self.section("summary", self.para(snap.get("summary")))
        blocks += self.section("rationale", self.para(snap.get("rationale")))
        blocks += self.organizations()
        blocks += self.geography()
        blocks += self.timeline()
        blocks += self.objectives()
        blocks += self.markers()
        blocks += self.principles()
        blocks += self.contacts()
        blocks += self.budget()
        blocks += self.attachments()
        for key in sorted(
            set(snap) - set(SNAPSHOT_LABELS)
        ):  # parts added to snapshots after this module
            blocks += self.section(key, self.para(_plain(snap[key])))
        return blocks

    def organizations(self) -> list[Flowable]:
        lead = self.snapshot.get("lead_organization")
        participants = list(self.snapshot.get("participants") or [])
        rows = [
            (p, self.names.organizations.get(p, p), "Lead" if p == lead else "Participating")
            for p in participants
        ]
        if lead and lead not in participants:
            rows.insert(0, (lead, self.names.organizations.get(lead, lead), "Lead"))
        return self.section(
            "participants",
            self.facts([(SNAPSHOT_LABELS["lead_organization"], self.organization(lead))]),
            Spacer(1, 4),
            self.table(("Acronym", "Organization", "Role"), rows, (0.18, 0.62, 0.2))
            if rows
            else self.para("No participating organization."),
        )

    def geography(self) -> list[Flowable]:
        snap = self.snapshot
        scope = snap.get("scope")
        return self.section(
            "scope",
            self.facts(
                [
                    (SNAPSHOT_LABELS["scope"], SCOPE_LABELS.get(scope, scope) if scope else None),
                    (
                        SNAPSHOT_LABELS["countries"],
                        "; ".join(self.country(c) for c in snap.get("countries") or []),
                    ),
                    (
                        SNAPSHOT_LABELS["endorsers"],
                        "; ".join(self.country(c) for c in snap.get("endorsers") or []),
                    ),
                ]
            ),
        )

    def timeline(self) -> list[Flowable]:
        start = _date(self.snapshot.get("planned_start"))
        months = self.snapshot.get("duration_months")
        end = add_months(start, int(months)) if start and months else None
        return self.section(
            "planned_start",
            self.facts(
                [
                    (SNAPSHOT_LABELS["planned_start"], _long_date(start)),
                    (SNAPSHOT_LABELS["duration_months"], months),
                    ("Planned end", _long_date(end)),
                ]
            ),
        )

    def objectives(self) -> list[Flowable]:
        snap = self.snapshot
        return self.section(
            "primary_objective",
            self.facts(
                [
                    (
                        SNAPSHOT_LABELS["primary_objective"],
                        self.objective(snap.get("primary_objective")),
                    ),
                    (
                        SNAPSHOT_LABELS["secondary_objectives"],
                        "\n".join(
                            self.objective(n) for n in snap.get("secondary_objectives") or []
                        ),
                    ),
                ]
            ),
        )

    def markers(self) -> list[Flowable]:
        def marker(key: str) -> str | None:
            value = self.snapshot.get(key)
            return MARKER_LABELS.get(value, str(value)) if value is not None else None

        return self.section(
            "gender_marker",
            self.facts(
                [
                    (SNAPSHOT_LABELS["gender_marker"], marker("gender_marker")),
                    (SNAPSHOT_LABELS["human_rights_marker"], marker("human_rights_marker")),
                ]
            ),
        )

    def principles(self) -> list[Flowable]:
        principles = self.snapshot.get("principles") or {}
        if not principles:
            return self.section("principles", self.para("None given."))
        rows = [(self.names.principles.get(code, code), text) for code, text in principles.items()]
        return self.section(
            "principles",
            self.table(("Principle", "How the programme applies it"), rows, (0.3, 0.7)),
        )

    def contacts(self) -> list[Flowable]:
        contacts = self.snapshot.get("contacts") or []
        if not contacts:
            return self.section("contacts", self.para("None given."))
        rows = [(c.get("name"), c.get("email"), c.get("function")) for c in contacts]
        return self.section(
            "contacts", self.table(("Name", "Email", "Function"), rows, (0.3, 0.4, 0.3))
        )

    def budget(self) -> list[Flowable]:
        snap = self.snapshot
        lines = snap.get("budget_lines") or []
        rate = _amount(snap.get("indirect_rate")) or Decimal("0")
        if not lines:
            return self.section("budget_lines", self.para("No budget lines."))
        organizations = list(dict.fromkeys(line.get("organization") for line in lines))
        summary = summarise(
            (
                Line(
                    organizations.index(line.get("organization")),
                    int(line.get("objective") or 0),
                    int(line.get("category") or 0),
                    _amount(line.get("amount")) or Decimal("0.00"),
                )
                for line in lines
            ),
            rate,
        )
        stated_total = _amount(snap.get("budget_total"))
        h3 = self.styles.h3
        by_organization = self.table(
            ("Organization", "Direct costs (USD)", "Indirect support costs (USD)", "Total (USD)"),
            [
                (
                    organizations[i],
                    _money(b.direct),
                    _money(b.indirect),
                    _money(b.total),
                )
                for i, b in summary.by_organization.items()
            ],
            (0.34, 0.22, 0.22, 0.22),
            numeric=(1, 2, 3),
            total=(
                "Total",
                _money(summary.direct_total),
                _money(summary.indirect_total),
                _money(summary.grand_total),
            ),
        )
        by_objective = self.table(
            ("GCM objective", "Direct costs (USD)", "Indirect support costs (USD)", "Total (USD)"),
            [
                (
                    self.objective(n),
                    _money(a),
                    _money(summary.indirect_by_objective[n]),
                    _money(summary.objective_total(n)),
                )
                for n, a in summary.by_objective.items()
            ],
            (0.34, 0.22, 0.22, 0.22),
            numeric=(1, 2, 3),
            total=(
                "Total",
                _money(summary.direct_total),
                _money(summary.indirect_total),
                _money(summary.grand_total),
            ),
        )
        by_category = self.table(
            ("Budget category", "Amount (USD)"),
            [
                (
                    self.category(code),
                    _money(a),
                )
                for code, a in summary.by_category.items()
            ],
            (0.7, 0.3),
            numeric=(1,),
            total=("Total", _money(summary.grand_total)),
        )
        all_lines = self.table(
            ("Organization", "Objective", "Category", "Description", "Amount (USD)"),
            [
                (
                    line.get("organization"),
                    line.get("objective"),
                    self.category(line.get("category")),
                    line.get("description"),
                    _money(_amount(line.get("amount"))),
                )
                for line in lines
            ],
            (0.17, 0.12, 0.27, 0.26, 0.18),
            numeric=(1, 4),
            total=("Total direct costs", "", "", "", _money(summary.direct_total)),
        )
        facts = [
            (
                SNAPSHOT_LABELS["indirect_rate"],
                f"{rate * 100:.2f}% of each organization's direct costs",
            ),
            (SNAPSHOT_LABELS["budget_total"], _money(stated_total)),
        ]
        if stated_total is not None and stated_total != summary.grand_total:
            facts.append(("Note", f"The lines below add up to USD {summary.grand_total:,.2f}."))
        return [
            *self.section("budget_lines", self.facts(facts)),
            KeepTogether([Paragraph("By participating organization", h3), by_organization]),
            KeepTogether(
                [
                    Paragraph(
                        "By GCM objective (each organization's indirect support costs split "
                        "over its objectives in proportion to direct costs, as coverage counts "
                        "them)",
                        h3,
                    ),
                    by_objective,
                ]
            ),
            KeepTogether([Paragraph("By budget category", h3), by_category]),
            Paragraph(f"All {len(lines)} budget lines", h3),
            all_lines,
        ]

    def attachments(self) -> list[Flowable]:
        attachments = self.snapshot.get("attachments") or []
        if not attachments:
            return self.section("attachments", self.para("None."))
        rows = [
            (
                a.get("filename"),
                ATTACHMENT_KIND_LABELS.get(a.get("kind"), a.get("kind"))
                + (f": {self.country(a['country'])}" if a.get("country") else ""),
                a.get("sha256"),
            )
            for a in attachments
        ]
        return self.section(
            "attachments", self.table(("File", "Kind", "SHA-256"), rows, (0.3, 0.3, 0.4))
        )


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "\n".join(_plain(v) for v in value)
    return "—" if value is None else str(value)


def _long_date(day: date | None) -> str | None:
    return f"{day.day} {day:%B %Y}" if day else None


def _long_time(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def render_proposal_version(
    *,
    reference: str,
    number: int,
    snapshot: dict[str, Any],
    call_title: str,
    submitted_at: datetime,
    submitted_by: str | None,
    names: ReferenceNames,
    fund_name: str,
    generated_at: datetime,
) -> bytes:
    """The PDF of one submitted version of a proposal."""
    document = ProposalDocument(snapshot, names)
    s = document.styles
    submitted = f"Submitted {_long_time(submitted_at)}" + (
        f" by {submitted_by}" if submitted_by else ""
    )
    story: list[Flowable] = [
        Paragraph(markup(snapshot.get("title") or "Untitled proposal"), s.title),
        Paragraph(markup(f"Proposal {reference} · version {number} · {call_title}"), s.meta),
        Paragraph(markup(f"{submitted}. This is the version as submitted."), s.meta),
        Spacer(1, 4),
        *document.story(),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        title=f"{reference} version {number}: {snapshot.get('title') or ''}",
        author=fund_name,
        subject="Proposal document",
    )
    furniture = PageFurniture(
        header_left=fund_name,
        header_right=f"Proposal {reference} · version {number}",
        footer_left=f"Generated {_long_time(generated_at)}",
    )
    doc.build(story, canvasmaker=numbered_canvas(furniture))
    return out.getvalue()
