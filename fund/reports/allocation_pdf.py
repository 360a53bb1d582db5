"""The fund allocation report as a PDF for donors and the decision body: the layout of the
figures `fund.reports.allocation_data` reads.

Every page carries the audit trail's head (event number and SHA-256 hash) at the time of
generation: a printed report can be traced to the exact records it was made from.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
)

from fund.coverage.queries import PIPELINE_ONLY, UNCOVERED, UNDER_TARGET, CoverageRow
from fund.money import CENT, ZERO, format_amount, format_usd
from fund.proposals.models import proposal_reference
from fund.reports.allocation_data import AllocationReport
from fund.reports.allocation_results import results_section
from fund.reports.pdf.charts import bar_chart
from fund.reports.pdf.document import render_document
from fund.reports.pdf.styles import (
    PdfStyles,
    audit_footer,
    long_date,
    long_time,
    markup,
    percent,
    with_heading,
)
from fund.reports.pdf.tables import data_table, fact_table


def _amounts(*values: Decimal | None) -> tuple[str, ...]:
    """Cells of amounts in a table whose heading names the currency."""
    return tuple(format_amount(value) for value in values)


class AllocationDocument:
    """Builds the flowables of the report."""

    def __init__(self, report: AllocationReport) -> None:
        self.report = report
        self.s = PdfStyles.report()

    def heading(self, text: str, *blocks: Flowable, long: bool = False) -> list[Flowable]:
        """A section heading kept with the start of its content; before `long` content (a
        table that may run over pages) it only asks for room at the foot of the page."""
        head = Paragraph(markup(text), self.s.h2)
        if long:
            return [CondPageBreak(45 * mm), head, *blocks]
        return with_heading(head, blocks)

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
            *results_section(self.report, self.s),
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
            ("Contributions received (gross)", format_amount(t.gross)),
            ("Administrative Agent fee", format_amount(t.fees)),
            ("Net contributions", format_amount(t.net)),
            ("Allocated to programmes", format_amount(t.allocated)),
            ("Disbursed to participating organizations", format_amount(t.disbursed)),
            ("Allocated, not yet disbursed", format_amount(t.committed)),
            ("Available to allocate", format_amount(t.available)),
            (
                f"Pipeline: approved, awaiting funding ({len(r.pipeline.rows)})",
                format_amount(r.pipeline.total),
            ),
            (
                "Of the pipeline, fundable now from the pools",
                format_amount(r.pipeline.fundable_total),
            ),
        ]
        selection_rows = [
            (f"Funded programmes ({c.programmes})", format_amount(c.funded)),
            ("of which direct costs", format_amount(c.funded_direct)),
            ("of which indirect support costs", format_amount(c.funded_indirect)),
            (
                f"Allocations recorded for these programmes ({len(r.programmes)})",
                format_amount(r.programmes_allocated),
            ),
            ("Disbursed on these allocations", format_amount(r.programmes_disbursed)),
            (f"Approved, awaiting funding ({c.pipeline_programmes})", format_amount(c.pipeline)),
            (f"Under {r.decision_body} review ({c.review_programmes})", format_amount(c.review)),
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
                    f"The funded programmes' budgets ({format_usd(c.funded)}, counted as on the "
                    f"dashboard) differ from their recorded allocations "
                    f"({format_usd(r.programmes_allocated)}): a budget changed after its "
                    "allocation."
                )
            )
        pools = [
            (p.label, *_amounts(p.net, p.allocated, p.disbursed, p.available))
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
                        *_amounts(t.net, t.allocated, t.disbursed, t.available),
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
                *_amounts(d.gross, d.fee, d.net),
            )
            for d in r.donors
        ]
        table = (
            data_table(
                ("Donor", "Deposits", "Gross (USD)", "Fee (USD)", "Net (USD)"),
                rows,
                (0.34, 0.12, 0.18, 0.18, 0.18),
                numeric=(1, 2, 3, 4),
                total=("All donors", t.contributions, *_amounts(t.gross, t.fees, t.net)),
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
                        f"{v.donor}, {long_date(v.received_on)}, {format_usd(v.gross)}: {v.reason}"
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
            values = [label, format_amount(row.funded), percent(row.share)]
            if targets:
                values.append(percent(row.target))
            values += [format_amount(row.pipeline), format_amount(row.review), row.programmes]
            if targets:
                values.append(row.flag_label)
            data.append(values)
        if not targets:
            header[-1] = "Programmes"
        numeric = tuple(range(1, 7 if targets else 6))
        total_funded = self.report.coverage.totals.funded
        total = ["Total", format_amount(total_funded), "100.00%" if total_funded else ""]
        if targets:
            total.append("")
        total += [
            format_amount(sum((r.pipeline or ZERO for r in rows), ZERO)),
            format_amount(sum((r.review or ZERO for r in rows), ZERO)),
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
                f"{format_usd(amount)} {what}"
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
                f"{format_usd(row.funded)} funded, {percent(row.share)} of the funded money: "
                f"below {percent(settings.under_target_fraction)} of its target of {target} "
                f"({format_usd(at_target)} at target)."
            )
        return (
            f"{format_usd(row.funded)} funded, {percent(row.share)} of the funded money: more "
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
                        format_amount(row.funded),
                    )
                    for row in r.countries
                ],
                (0.4, 0.3, 0.12, 0.18),
                numeric=(2, 3),
                total=(
                    "All countries",
                    "",
                    "",
                    *_amounts(sum((x.funded for x in r.countries), ZERO)),
                ),
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
                format_amount(p.total),
                format_amount(p.running_total),
                "Yes" if p.fundable else f"No ({format_amount(p.shortfall)} short)",
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
                    total=("Total", "", "", "", format_amount(r.pipeline_total), "", ""),
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
                *_amounts(p.amount, p.disbursed),
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
                *_amounts(r.programmes_allocated, r.programmes_disbursed),
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


def render_allocation_report(report: AllocationReport) -> bytes:
    """Header: the fund, the report's date and when it was made; footer: the audit head."""
    day, made = report.day, report.generated_at
    return render_document(
        AllocationDocument(report).story(),
        report,
        [
            f"Allocation report as of {long_date(day)} · generated {long_time(made)}",
            f"Allocation report as of {day:%d %b %Y} · generated {made:%d %b %Y %H:%M} UTC",
            f"As of {day:%d %b %Y} · generated {made:%d %b %Y %H:%M} UTC",
        ],
        audit_footer(report.head),
        title=f"Fund allocation report as of {long_date(report.day)}",
        subject=report.scope,
    )
