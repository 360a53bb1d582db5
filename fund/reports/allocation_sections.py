"""The allocation report's content as data: its key figures, then its sections, each with
subsections holding a chart, a table of text cells or a sentence, and notes. Made once from
`AllocationReport` (`fund.reports.allocation_data`) and laid out twice: as the PDF
(`fund.reports.allocation_pdf`) and as the report's web page (`reports/allocation.html`), so
both show the same cells, in the same order, under the same headings."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from fund.coverage.queries import PIPELINE_ONLY, UNCOVERED, UNDER_TARGET, CoverageRow
from fund.money import CENT, ZERO, format_amount, format_usd
from fund.proposals.models import proposal_reference
from fund.reports.allocation_data import AllocationReport
from fund.reports.allocation_results import results_parts
from fund.reports.pdf.styles import long_date, long_time, percent
from fund.reports.report_parts import Chart, Part, ReportTable, Section


def _amounts(*values: Decimal | None) -> tuple[str, ...]:
    """Cells of amounts in a table whose heading names the currency."""
    return tuple(format_amount(value) for value in values)


# The cover ---------------------------------------------------------------------------------


def key_figures(report: AllocationReport) -> list[tuple[str, str]]:
    """The cover's figures: (value, what it is)."""
    t, c = report.balance.total, report.coverage.totals
    covered = sum(1 for row in report.coverage.objectives if row.funded > 0)
    return [
        (format_usd(t.gross), "contributions received (whole fund)"),
        (format_usd(t.allocated), "allocated to programmes (whole fund)"),
        (
            format_usd(t.disbursed),
            "transferred to participating organizations, net of refunds (whole fund)",
        ),
        (format_usd(t.available), "available to allocate (whole fund)"),
        (f"{c.programmes:,}", f"funded programme{'' if c.programmes == 1 else 's'} in this report"),
        (
            f"{covered} of {len(report.coverage.objectives)}",
            "GCM objectives with funded programmes",
        ),
    ]


def standing(report: AllocationReport) -> str:
    """The day the figures stand at, in words."""
    if report.as_of:
        return f"{long_date(report.day)} (end of the day, UTC)"
    return f"{long_date(report.day)}: the records as they stood when the report was made"


def cover_facts(report: AllocationReport) -> list[tuple[str, str]]:
    trail = (
        f"Event {report.head[0]}, SHA-256 hash {report.head[1]}"
        if report.head
        else "The audit trail is empty."
    )
    return [
        ("Figures as of", standing(report)),
        ("Programmes", report.scope),
        ("Generated", long_time(report.generated_at)),
        ("Audit trail head", trail),
    ]


TRACE_NOTE = (
    "The figures are those of the fund's coverage dashboard and balance page for the same "
    "records; the last section explains how each is counted. Every page shows the newest event "
    "of the audit trail when the report was made. Each event's hash covers the one before it, "
    "so this hash identifies the whole trail up to then: the audit log shows that the trail is "
    "intact and still contains this event, and a printed copy can be traced to the records it "
    "was made from."
)


# The sections ------------------------------------------------------------------------------


def sections(report: AllocationReport) -> list[Section]:
    """Every section of the report, in order (the results' tables are made by
    `fund.reports.allocation_results`)."""
    return [
        Section("summary", f"Summary as of {long_date(report.day)}", _summary(report)),
        Section("donors", "Contributions by donor", _donors(report)),
        Section("areas", "Allocations by thematic area", _areas(report)),
        Section("objectives", "Allocations by GCM objective", _objectives(report)),
        Section("gaps", "Coverage gaps", _gaps(report)),
        Section("results", "Results", results_parts(report)),
        Section("regions", "Allocations by region", _regions(report)),
        Section(
            "organizations", "Allocations by participating organization", _organizations(report)
        ),
        Section("markers", "Gender and human rights markers", _markers(report)),
        Section(
            "pipeline",
            "Pipeline: approved, awaiting funding" if report.pipeline_rows else "Pipeline",
            _pipeline(report),
        ),
        Section(
            "programmes",
            f"List of the funded programmes ({len(report.programmes)})",
            _programmes(report),
        ),
        Section("method", "How the figures are counted", _method(report)),
    ]


def _summary(r: AllocationReport) -> list[Part]:
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
        ("Of the pipeline, fundable now from the pools", format_amount(r.pipeline.fundable_total)),
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
    selection = Part(
        f"The programmes of this report ({r.scope})",
        table=ReportTable(
            "The programmes of this report", ("", "USD"), selection_rows, (0.7, 0.3), (1,)
        ),
    )
    if c.funded != r.programmes_allocated:
        selection.notes.append(
            f"The funded programmes' budgets ({format_usd(c.funded)}, counted as on the "
            f"dashboard) differ from their recorded allocations "
            f"({format_usd(r.programmes_allocated)}): a budget changed after its allocation."
        )
    pools = [
        (p.label, *_amounts(p.net, p.allocated, p.disbursed, p.available)) for p in r.balance.pools
    ]
    return [
        Part(
            "The fund's money (whole fund)",
            table=ReportTable("The fund's money", ("", "USD"), fund_rows, (0.7, 0.3), (1,)),
        ),
        selection,
        Part(
            "By pool (unearmarked money and earmarks per thematic area)",
            table=ReportTable(
                "The fund's money by pool",
                ("Pool", "Net received", "Allocated", "Disbursed", "Available"),
                pools,
                (0.28, 0.18, 0.18, 0.18, 0.18),
                (1, 2, 3, 4),
                total=("All pools", *_amounts(t.net, t.allocated, t.disbursed, t.available)),
            ),
        ),
    ]


def _donors(r: AllocationReport) -> list[Part]:
    t = r.balance.total
    rows = [
        (
            f"{d.donor}: {d.name}" if d.name != d.donor else d.donor,
            d.contributions,
            *_amounts(d.gross, d.fee, d.net),
        )
        for d in r.donors
    ]
    part = (
        Part(
            table=ReportTable(
                "Contributions by donor",
                ("Donor", "Deposits", "Gross (USD)", "Fee (USD)", "Net (USD)"),
                rows,
                (0.34, 0.12, 0.18, 0.18, 0.18),
                (1, 2, 3, 4),
                total=("All donors", t.contributions, *_amounts(t.gross, t.fees, t.net)),
            )
        )
        if rows
        else Part(text="No contribution has been received.")
    )
    if r.voided:
        part.notes.append(
            f"Left out: {len(r.voided)} contribution(s) voided as entered by mistake ("
            + "; ".join(
                f"{v.donor}, {long_date(v.received_on)}, {format_usd(v.gross)}: {v.reason}"
                for v in r.voided
            )
            + ")."
        )
    return [part]


def coverage_table(
    r: AllocationReport,
    rows: Sequence[CoverageRow],
    first: str,
    caption: str,
    *,
    targets: bool = True,
    title: bool = False,
) -> ReportTable:
    """Funded, share, (target), approved, under review, programmes, (flag) per row, with the
    totals. The first column is wide enough for its labels: they wrap, never cut."""
    header = [first, "Funded", "Share", "Target", "Approved", "Under review", "Prog.", "Flag"]
    widths = [0.25, 0.14, 0.08, 0.08, 0.14, 0.14, 0.06, 0.11]
    if title:  # labels with titles: the room of the amounts goes to them
        widths = [0.31, 0.125, 0.075, 0.075, 0.125, 0.125, 0.055, 0.11]
    if not targets:
        header, widths = header[:3] + header[4:7], [0.31, 0.16, 0.09, 0.16, 0.16, 0.12]
        header[-1] = "Programmes"
    data = []
    for row in rows:
        label = f"{row.label}: {row.title}" if title and row.title != row.label else row.label
        values = [label, format_amount(row.funded), percent(row.share)]
        if targets:
            values.append(percent(row.target))
        values += [format_amount(row.pipeline), format_amount(row.review), row.programmes]
        if targets:
            values.append(row.flag_label)
        data.append(tuple(values))
    funded = r.coverage.totals.funded
    total = ["Total", format_amount(funded), "100.00%" if funded else ""]
    if targets:
        total.append("")
    total += [
        format_amount(sum((x.pipeline or ZERO for x in rows), ZERO)),
        format_amount(sum((x.review or ZERO for x in rows), ZERO)),
        "",
    ]
    if targets:
        total.append("")
    return ReportTable(
        caption,
        tuple(header),
        data,
        tuple(widths),
        tuple(range(1, 7 if targets else 6)),
        total=tuple(total),
        size=7.5,
        flags=7 if targets else None,
    )


def coverage_part(
    r: AllocationReport,
    rows: Sequence[CoverageRow],
    first: str,
    caption: str,
    *notes: str,
    heading: str | None = None,
    chart: bool = True,
    targets: bool = True,
    titled: bool = False,
) -> Part:
    """A part on coverage: the chart of `rows` (unless `chart` is False) and their table
    (`coverage_table`), with targets or not, labelled with the rows' titles or not."""
    return Part(
        heading,
        chart=Chart(rows, targets, titled) if chart else None,
        table=coverage_table(r, rows, first, caption, targets=targets, title=titled),
        notes=list(notes),
    )


def _areas(r: AllocationReport) -> list[Part]:
    areas = r.coverage.areas
    note = (
        "An objective that lies in several thematic areas gives each an equal part of its "
        "money, so the areas add up to the total."
    )
    return [
        coverage_part(r, areas, "Thematic area", "Funded money by thematic area", note, titled=True)
    ]


def _objectives(r: AllocationReport) -> list[Part]:
    objectives = r.coverage.objectives
    note = (
        "Indirect support costs are spread over the objectives in proportion to the direct "
        "costs budgeted for each."
    )
    return [coverage_part(r, objectives, "GCM objective", "Funded money by objective", note)]


def gap_text(r: AllocationReport, row: CoverageRow) -> str:
    """Why the row is flagged, with its figures."""
    settings = r.coverage.settings
    target = percent(row.target or ZERO)
    if row.flag == UNCOVERED:
        return f"Nothing funded, approved or under review, for a target of {target}."
    if row.flag == PIPELINE_ONLY:
        waiting = [
            f"{format_usd(amount)} {what}"
            for amount, what in (
                (row.pipeline, "approved, awaiting funding"),
                (row.review, f"under {r.decision_body} review"),
            )
            if amount
        ]
        return f"Nothing funded yet; {' and '.join(waiting)}. Target {target}."
    if row.flag == UNDER_TARGET:
        at_target = ((row.target or ZERO) * r.coverage.totals.funded).quantize(CENT)
        return (
            f"{format_usd(row.funded)} funded, {percent(row.share)} of the funded money: "
            f"below {percent(settings.under_target_fraction)} of its target of {target} "
            f"({format_usd(at_target)} at target)."
        )
    return (
        f"{format_usd(row.funded)} funded, {percent(row.share)} of the funded money: more "
        f"than {settings.concentrated_multiple.normalize()} times its target of {target}."
    )


def _gaps(r: AllocationReport) -> list[Part]:
    c = r.coverage
    settings = c.settings
    explain = (
        "Flags compare each row's share of the funded money with its target share: "
        "uncovered (nothing funded, approved or under review), pipeline only (nothing "
        "funded yet, but money approved or under review), under target (below "
        f"{percent(settings.under_target_fraction)} of the target), concentrated (above "
        f"{settings.concentrated_multiple.normalize()} times the target). A row whose target "
        "is 0% is never uncovered or under target."
    )
    flagged = [("Thematic area", x) for x in c.areas if x.flag] + [
        ("Objective", x) for x in c.objectives if x.flag
    ]
    if not flagged:
        return [Part(text="No thematic area or objective is flagged.", notes=[explain])]
    rows = [
        (
            f"{kind} {row.label}" + (f": {row.title}" if kind == "Thematic area" else ""),
            row.flag_label,
            gap_text(r, row),
        )
        for kind, row in flagged
    ]
    table = ReportTable(
        "The flagged thematic areas and objectives, and why",
        ("Where", "Flag", "Why"),
        rows,
        (0.32, 0.13, 0.55),
        flags=1,
    )
    return [Part(table=table, notes=[explain])]


def _regions(r: AllocationReport) -> list[Part]:
    c = r.coverage
    if r.countries:
        countries = Part(
            "Funded money by country",
            table=ReportTable(
                "Funded money by country",
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
                (2, 3),
                total=(
                    "All countries",
                    "",
                    "",
                    *_amounts(sum((x.funded for x in r.countries), ZERO)),
                ),
            ),
        )
    else:
        countries = Part("Funded money by country", text="No funded programme.")
    countries.notes.append(
        "Each region's funded money over its countries: a programme's money is split "
        "equally over its regions, then equally over its countries in each region."
    )
    regions = coverage_part(
        r,
        c.regions,
        "M49 region",
        "Funded money by region",
        "A programme's money is split equally over the distinct regions of its countries; a "
        "programme without countries counts under “Global”. The target of a region is an equal "
        "share.",
        chart=False,
    )
    return [regions, countries]


def _organizations(r: AllocationReport) -> list[Part]:
    organizations = coverage_part(
        r,
        r.coverage.organizations,
        "Organization",
        "Funded money by participating organization",
        "An organization's money is its own direct costs and its own indirect support costs in "
        "the programmes' budgets.",
        chart=False,
        targets=False,
        titled=True,
    )
    return [organizations]


def _markers(r: AllocationReport) -> list[Part]:
    c = r.coverage
    markers = (("Gender marker", c.gender_markers), ("Human rights marker", c.human_rights_markers))
    parts = [
        coverage_part(
            r,
            rows,
            "Score",
            f"Funded money by {name.lower()} score",
            heading=name,
            targets=False,
            titled=True,
        )
        for name, rows in markers
    ]
    parts[-1].notes.append("A programme counts fully under its marker scores.")
    return parts


def _pipeline(r: AllocationReport) -> list[Part]:
    if not r.pipeline_rows:
        return [Part(text="No approved proposal awaits funding.")]
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
    table = ReportTable(
        "Approved proposals awaiting funding, in order of approval",
        ("Ref.", "Title", "Org.", "Approved", "Budget", "Running total", "Fundable now"),
        rows,
        (0.085, 0.225, 0.1, 0.11, 0.15, 0.15, 0.18),
        (4, 5),
        total=("Total", "", "", "", format_amount(r.pipeline_total), "", ""),
        size=7.5,
    )
    return [
        Part(
            table=table,
            notes=[
                "In order of approval. The running total and “fundable now” are over the whole "
                "fund's pipeline: each proposal in turn from its own pools (earmarks of its "
                "primary objective's areas, then unearmarked money), with the money available "
                f"as of {long_date(r.day)}."
            ],
        )
    ]


def _programmes(r: AllocationReport) -> list[Part]:
    if not r.programmes:
        return [Part(text="No programme is funded.")]
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
    table = ReportTable(
        "The funded programmes",
        ("Ref.", "Title", "Org.", "Countries", "Allocated on", "Allocated", "Disbursed"),
        rows,
        (0.085, 0.285, 0.1, 0.12, 0.11, 0.15, 0.15),
        (5, 6),
        total=("Total", "", "", "", "", *_amounts(r.programmes_allocated, r.programmes_disbursed)),
        size=7.5,
    )
    return [Part(table=table)]


def _method(r: AllocationReport) -> list[Part]:
    as_of = (
        f"The figures stand at the end of {long_date(r.day)} (UTC): contributions received "
        "and voids made after it, allocations dated after it, disbursements paid after it "
        "and proposal decisions recorded after it are left out. A proposal counts as funded "
        "from its allocation date; otherwise its state that day is the one its last "
        "transition in the audit trail gave it. Budgets are the proposals' current ones."
        if r.as_of
        else "The figures are the records as they stood when the report was made."
    )
    return [
        Part(
            points=[
                as_of,
                "Funded money: the budgets of the funded and closed programmes (direct costs "
                "plus indirect support costs at the fund's rate, rounded per organization), as "
                "on the coverage dashboard. Approved: proposals approved by the "
                f"{r.decision_body} awaiting funding. Under review: proposals before the "
                f"{r.decision_body}.",
                "Call and period select the programmes as on the dashboard: a programme's date "
                "is its allocation date when it has one, else the date it was submitted. The "
                "fund's money, the pools and the donors are always those of the whole fund.",
                "Contributions: gross as received, less the Administrative Agent's fee, give "
                "the net added to the pools; voided contributions count nowhere.",
                "Amounts are in US dollars, exact to the cent. Shares are of the funded money.",
                "Flags are written in words and in colour: uncovered and pipeline only in red, "
                "under target in brown, concentrated in purple.",
            ]
        )
    ]
