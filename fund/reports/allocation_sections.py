"""The allocation report's content as data: its key figures, then its sections, each with
subsections holding a chart, a table of text cells or a sentence, and notes. Made once from
`AllocationReport` (`fund.reports.allocation_data`) and laid out twice: as the PDF
(`fund.reports.allocation_pdf`) and as the report's web page (`reports/allocation.html`), so
both show the same cells, in the same order, under the same headings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import ngettext

from fund.days import in_words, moment_in_words
from fund.finance.funding import pool_name
from fund.i18n import amount as format_amount
from fund.i18n import current_language, labelled, number
from fund.i18n import money as format_usd
from fund.labels import N_
from fund.money import ZERO
from fund.proposals.models import proposal_reference
from fund.reference.translations import country_name, region_name
from fund.reports.allocation_coverage import coverage_part
from fund.reports.allocation_data import AllocationReport
from fund.reports.allocation_gaps import gaps_parts
from fund.reports.allocation_results import results_parts
from fund.reports.report_parts import (
    Part,
    ReportTable,
    Section,
)
from fund.sentences import LONG_LIST_SEPARATOR, listed

# Amounts, dates and words are written in the language of the request (English outside one).


def _amounts(*values: Decimal | None) -> tuple[str, ...]:
    """Cells of amounts in a table whose heading names the currency."""
    return tuple(format_amount(value) for value in values)


# The cover ---------------------------------------------------------------------------------


def key_figures(report: AllocationReport) -> list[tuple[str, str]]:
    """The cover's figures: (value, what it is)."""
    t, c = report.balance.total, report.coverage.totals
    covered = sum(1 for row in report.coverage.objectives if row.funded > 0)
    return [
        (format_usd(t.gross), _("contributions received (whole fund)")),
        (format_usd(t.allocated), _("allocated to programmes (whole fund)")),
        (
            format_usd(t.disbursed),
            _("transferred to participating organizations, net of refunds (whole fund)"),
        ),
        (format_usd(t.available), _("available to allocate (whole fund)")),
        (
            number(c.programmes),
            ngettext(
                "funded programme in this report", "funded programmes in this report", c.programmes
            ),
        ),
        (
            _("%(covered)s of %(total)s", covered=covered, total=len(report.coverage.objectives)),
            _("GCM objectives with funded programmes"),
        ),
    ]


def standing(report: AllocationReport) -> str:
    """The day the figures stand at, in words."""
    if report.as_of:
        return _("%(day)s (end of the day, UTC)", day=in_words(report.day))
    return _(
        "%(day)s: the records as they stood when the report was made", day=in_words(report.day)
    )


def cover_facts(report: AllocationReport) -> list[tuple[str, str]]:
    trail = (
        _("Event %(number)s, SHA-256 hash %(hash)s", number=report.head[0], hash=report.head[1])
        if report.head
        else _("The audit trail is empty.")
    )
    return [
        (_("Figures as of"), standing(report)),
        (_("Programmes"), report.scope),
        (_("Generated"), moment_in_words(report.generated_at)),
        (_("Audit trail head"), trail),
    ]


# Translated where it is shown.
TRACE_NOTE = N_(
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
    day = in_words(report.day)
    return [
        Section("summary", _("Summary as of %(day)s", day=day), _summary(report)),
        Section("donors", _("Contributions by donor"), _donors(report)),
        Section("areas", _("Allocations by thematic area"), _areas(report)),
        Section("objectives", _("Allocations by GCM objective"), _objectives(report)),
        Section("gaps", _("Coverage gaps"), gaps_parts(report)),
        Section("results", _("Results"), results_parts(report)),
        Section("regions", _("Allocations by region"), _regions(report)),
        Section(
            "organizations",
            _("Allocations by participating organization"),
            _organizations(report),
        ),
        Section("markers", _("Gender and human rights markers"), _markers(report)),
        Section(
            "pipeline",
            _("Pipeline: approved, awaiting funding") if report.pipeline_rows else _("Pipeline"),
            _pipeline(report),
        ),
        Section(
            "programmes",
            _("List of the funded programmes (%(count)s)", count=len(report.programmes)),
            _programmes(report),
        ),
        Section("method", _("How the figures are counted"), _method(report)),
    ]


def _summary(r: AllocationReport) -> list[Part]:
    t, c = r.balance.total, r.coverage.totals
    fund_rows = [
        (_("Contributions received (gross)"), format_amount(t.gross)),
        (_("Administrative Agent fee"), format_amount(t.fees)),
        (_("Net contributions"), format_amount(t.net)),
        # Added to the unearmarked pool: the table adds up to what is available to allocate.
        (_("Interest less direct costs"), format_amount(t.interest_less_costs)),
        (_("Allocated to programmes"), format_amount(t.allocated)),
        (_("Transferred to participating organizations"), format_amount(t.disbursed + t.refunded)),
        (_("Refunds received from closed programmes"), format_amount(t.refunded)),
        (_("Transferred, net of refunds"), format_amount(t.disbursed)),
        (_("Allocated, not yet disbursed"), format_amount(t.committed)),
        (_("Available to allocate"), format_amount(t.available)),
        (
            _("Pipeline: approved, awaiting funding (%(count)s)", count=len(r.pipeline.rows)),
            format_amount(r.pipeline.total),
        ),
        (
            _("Of the pipeline, fundable now from the pools"),
            format_amount(r.pipeline.fundable_total),
        ),
    ]
    body = _(r.decision_body)
    selection_rows = [
        (_("Funded programmes (%(count)s)", count=c.programmes), format_amount(c.funded)),
        (_("of which direct costs"), format_amount(c.funded_direct)),
        (_("of which indirect support costs"), format_amount(c.funded_indirect)),
        (
            _("Allocations recorded for these programmes (%(count)s)", count=len(r.programmes)),
            format_amount(r.programmes_allocated),
        ),
        (_("Transferred on these allocations"), format_amount(r.programmes_disbursed)),
        *(
            [
                (
                    _("Given back to the pools at closure, never transferred"),
                    format_amount(r.programmes_released),
                ),
                (_("Refunded since closure"), format_amount(r.programmes_refunded)),
                (
                    _("Kept by these programmes: allocated less given back and refunded"),
                    format_amount(r.programmes_kept),
                ),
            ]
            if r.programmes_released or r.programmes_refunded
            else []
        ),
        (
            _("Approved, awaiting funding (%(count)s)", count=c.pipeline_programmes),
            format_amount(c.pipeline),
        ),
        (
            _("Under %(body)s review (%(count)s)", body=body, count=c.review_programmes),
            format_amount(c.review),
        ),
    ]
    selection = Part(
        _("The programmes of this report (%(scope)s)", scope=r.scope),
        table=ReportTable(
            _("The programmes of this report"), ("", "USD"), selection_rows, (0.7, 0.3), (1,)
        ),
    )
    if c.funded != r.programmes_kept:
        selection.notes.append(
            _(
                "The funded programmes' budgets (%(funded)s, counted as on the dashboard) differ "
                "from their recorded allocations (%(allocated)s): a budget changed after its "
                "allocation.",
                funded=format_usd(c.funded),
                allocated=format_usd(r.programmes_kept),
            )
        )
    pools = [
        (
            pool_name(p.code),
            *_amounts(p.net, p.interest_less_costs, p.allocated, p.disbursed, p.available),
        )
        for p in r.balance.pools
    ]
    return [
        Part(
            _("The fund's money (whole fund)"),
            table=ReportTable(_("The fund's money"), ("", "USD"), fund_rows, (0.7, 0.3), (1,)),
        ),
        selection,
        Part(
            _("By pool (unearmarked money and earmarks per thematic area)"),
            table=ReportTable(
                _("The fund's money by pool"),
                (
                    _("Pool"),
                    _("Net received"),
                    _("Interest less direct costs"),
                    _("Allocated"),
                    _("Disbursed"),
                    _("Available"),
                ),
                pools,
                (0.2, 0.16, 0.16, 0.16, 0.16, 0.16),
                (1, 2, 3, 4, 5),
                total=(
                    _("All pools"),
                    *_amounts(t.net, t.interest_less_costs, t.allocated, t.disbursed, t.available),
                ),
            ),
        ),
    ]


def _donors(r: AllocationReport) -> list[Part]:
    t = r.balance.total
    rows = [
        (
            labelled(d.donor, d.name) if d.name != d.donor else d.donor,
            d.contributions,
            *_amounts(d.gross, d.fee, d.net),
        )
        for d in r.donors
    ]
    part = (
        Part(
            table=ReportTable(
                _("Contributions by donor"),
                (_("Donor"), _("Deposits"), _("Gross (USD)"), _("Fee (USD)"), _("Net (USD)")),
                rows,
                (0.34, 0.12, 0.18, 0.18, 0.18),
                (1, 2, 3, 4),
                total=(_("All donors"), t.contributions, *_amounts(t.gross, t.fees, t.net)),
            )
        )
        if rows
        else Part(text=_("No contribution has been received."))
    )
    if r.voided:
        voided = listed(
            (
                labelled(listed((v.donor, in_words(v.received_on), format_usd(v.gross))), v.reason)
                for v in r.voided
            ),
            LONG_LIST_SEPARATOR,
        )
        part.notes.append(
            ngettext(
                "Left out: %(num)s contribution voided as entered by mistake (%(voided)s).",
                "Left out: %(num)s contributions voided as entered by mistake (%(voided)s).",
                len(r.voided),
                voided=voided,
            )
        )
    return [part]


def _areas(r: AllocationReport) -> list[Part]:
    areas = r.coverage.areas
    note = _(
        "An objective that lies in several thematic areas gives each an equal part of its "
        "money, so the areas add up to the total."
    )
    caption = _("Funded money by thematic area")
    return [coverage_part(r, areas, _("Thematic area"), caption, note, titled=True)]


def _objectives(r: AllocationReport) -> list[Part]:
    objectives = r.coverage.objectives
    note = _(
        "Indirect support costs are spread over the objectives in proportion to the direct "
        "costs budgeted for each."
    )
    caption = _("Funded money by objective")
    return [coverage_part(r, objectives, _("GCM objective"), caption, note)]


def _regions(r: AllocationReport) -> list[Part]:
    c = r.coverage
    if r.countries:
        countries = Part(
            _("Funded money by country"),
            table=ReportTable(
                _("Funded money by country"),
                (_("Country"), _("Region"), _("Programmes"), _("Funded (USD)")),
                [
                    (
                        f"{country_name(row.iso2, current_language(), row.name)} ({row.iso2})"
                        if row.iso2
                        else _(row.name),
                        region_name(row.region_m49, current_language(), row.region),
                        row.programmes,
                        format_amount(row.funded),
                    )
                    for row in r.countries
                ],
                (0.4, 0.3, 0.12, 0.18),
                (2, 3),
                total=(
                    _("All countries"),
                    "",
                    "",
                    *_amounts(sum((x.funded for x in r.countries), ZERO)),
                ),
            ),
        )
    else:
        countries = Part(_("Funded money by country"), text=_("No funded programme."))
    countries.notes.append(
        _(
            "Each region's funded money over its countries: a programme's money (a closed "
            "programme's, what it kept) is split equally over its regions, then equally over "
            "its countries in each region, so the countries add up to the funded money."
        )
    )
    regions = coverage_part(
        r,
        [
            replace(row, label=region_name(row.key, current_language(), row.label))
            for row in c.regions
        ],
        _("M49 region"),
        _("Funded money by region"),
        _(
            "A programme's money is split equally over the distinct regions of its countries; a "
            "programme without countries counts under “Global”. The target of a region is an "
            "equal share."
        ),
        chart=False,
    )
    return [regions, countries]


def _organizations(r: AllocationReport) -> list[Part]:
    organizations = coverage_part(
        r,
        r.coverage.organizations,
        _("Organization"),
        _("Funded money by participating organization"),
        _(
            "An organization's money is its own direct costs and its own indirect support costs "
            "in the programmes' budgets."
        ),
        chart=False,
        targets=False,
        titled=True,
    )
    return [organizations]


def _markers(r: AllocationReport) -> list[Part]:
    c = r.coverage
    markers = (
        (_("Gender marker"), _("Funded money by gender marker score"), c.gender_markers),
        (
            _("Human rights marker"),
            _("Funded money by human rights marker score"),
            c.human_rights_markers,
        ),
    )
    parts = [
        coverage_part(r, rows, _("Score"), caption, heading=name, targets=False, titled=True)
        for name, caption, rows in markers
    ]
    parts[-1].notes.append(_("A programme counts fully under its marker scores."))
    return parts


def _named_table(
    caption: str,
    more: Sequence[str],
    rows: list[tuple],
    widths: tuple[float, ...],
    numeric: tuple[int, ...],
    total: Sequence[str],
    organization: str | None = None,
) -> ReportTable:
    """A table of proposals or programmes in small type, each named by its reference, title and
    organization (the column's heading `organization`, by default "Org."), then the `more`
    columns; its total row has `total` under those columns."""
    return ReportTable(
        caption,
        (_("Ref."), _("Title"), organization or _("Org."), *more),
        rows,
        widths,
        numeric,
        total=(_("Total"), "", "", *total),
        size=7.5,
    )


def _pipeline(r: AllocationReport) -> list[Part]:
    if not r.pipeline_rows:
        return [Part(text=_("No approved proposal awaits funding."))]
    rows = [
        (
            proposal_reference(p.proposal_id),
            p.title,
            p.organization,
            p.approved_at.date().isoformat() if p.approved_at else None,
            format_amount(p.total),
            format_amount(p.running_total),
            _("Yes")
            if p.fundable
            else _("No (%(amount)s short)", amount=format_amount(p.shortfall)),
        )
        for p in r.pipeline_rows
    ]
    table = _named_table(
        _("Approved proposals awaiting funding, in order of approval"),
        (_("Approved"), _("Budget"), _("Running total"), _("Fundable now")),
        rows,
        (0.085, 0.225, 0.1, 0.11, 0.15, 0.15, 0.18),
        (4, 5),
        ("", format_amount(r.pipeline_total), "", ""),
    )
    return [
        Part(
            table=table,
            notes=[
                _(
                    "In order of approval. The running total and “fundable now” are over the "
                    "whole fund's pipeline: each proposal in turn from its own pools (earmarks of "
                    "its primary objective's areas, then unearmarked money), with the money "
                    "available as of %(day)s.",
                    day=in_words(r.day),
                )
            ],
        )
    ]


def _programmes(r: AllocationReport) -> list[Part]:
    if not r.programmes:
        return [Part(text=_("No programme is funded."))]
    rows = [
        (
            p.programme,
            p.title,
            p.organization,
            listed(p.countries) or _("Global"),
            p.allocated_on.isoformat(),
            *_amounts(p.amount, p.disbursed, p.kept),
        )
        for p in r.programmes
    ]
    table = _named_table(
        _("The funded programmes"),
        (_("Countries"), _("Allocated on"), _("Allocated"), _("Disbursed"), _("Kept")),
        rows,
        (0.08, 0.245, 0.085, 0.1, 0.1, 0.13, 0.13, 0.13),
        (5, 6, 7),
        (
            "",
            "",
            *_amounts(r.programmes_allocated, r.programmes_disbursed, r.programmes_kept),
        ),
        organization=_("Lead org."),
    )
    note = _(
        "Lead org.: the organization that leads the programme. Kept: what the programme kept "
        "of its allocation, as the coverage counts it: allocated, less what its closure gave "
        "back to the pools (never disbursed) and the refunds received since. The kept column "
        "adds up to the money allocated to these programmes and to their funded money."
    )
    return [Part(table=table, notes=[note]), *_closures(r)]


def _closures(r: AllocationReport) -> list[Part]:
    """The programmes whose closure gave money back or that refunded some: where their
    allocation and what they kept differ (a short table, apart from the long list)."""
    given_back = [p for p in r.programmes if p.released or p.refunded]
    if not given_back:
        return []
    rows = [
        (
            p.programme,
            p.title,
            p.organization,
            *_amounts(p.amount, p.released, p.refunded, p.kept),
        )
        for p in given_back
    ]
    title = _("Closed programmes that gave money back")
    table = _named_table(
        title,
        (_("Allocated"), _("Given back at closure"), _("Refunded"), _("Kept")),
        rows,
        (0.08, 0.25, 0.09, 0.145, 0.145, 0.145, 0.145),
        (3, 4, 5, 6),
        _amounts(
            sum((p.amount for p in given_back), ZERO),
            r.programmes_released,
            r.programmes_refunded,
            sum((p.kept for p in given_back), ZERO),
        ),
        organization=_("Lead org."),
    )
    note = _(
        "Given back at closure: what the closure returned to the pools of the allocation, never "
        "disbursed. Refunded: what the organizations paid back since. The other programmes kept "
        "their whole allocation."
    )
    return [Part(title=title, table=table, notes=[note])]


def _method(r: AllocationReport) -> list[Part]:
    body = _(r.decision_body)
    as_of = (
        _(
            "The figures stand at the end of %(day)s (UTC): contributions received and voids "
            "made after it, allocations dated after it, disbursements paid after it and proposal "
            "decisions recorded after it are left out. A proposal counts as funded from its "
            "allocation date; otherwise its state that day is the one its last transition in the "
            "audit trail gave it. Budgets are the proposals' current ones.",
            day=in_words(r.day),
        )
        if r.as_of
        else _("The figures are the records as they stood when the report was made.")
    )
    return [
        Part(
            points=[
                as_of,
                _(
                    "Funded money: the budgets of the funded programmes (direct costs plus "
                    "indirect support costs at the fund's rate, rounded per organization) and "
                    "what each closed programme kept (what was transferred to it less its "
                    "refunds), as on the coverage dashboard. Approved: proposals approved by the "
                    "%(body)s awaiting funding. Under review: proposals before the %(body)s.",
                    body=body,
                ),
                _(
                    "Call and period select the programmes as on the dashboard: a programme's "
                    "date is its allocation date when it has one, else the date it was "
                    "submitted. The fund's money, the pools and the donors are always those of "
                    "the whole fund."
                ),
                _(
                    "Contributions: gross as received, less the Administrative Agent's fee, give "
                    "the net added to the pools; voided contributions count nowhere."
                ),
                _("Amounts are in US dollars, exact to the cent. Shares are of the funded money."),
                _(
                    "Flags are written in words and in colour: uncovered and pipeline only in "
                    "red, under target in brown, concentrated in purple."
                ),
            ]
        )
    ]
