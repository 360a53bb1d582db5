"""The proposal document: a submitted version of a proposal as a PDF, for reading offline.

It is made from the version's snapshot (what was submitted, never changed since), with names
looked up for the codes the snapshot stores. Every part of the snapshot has a section.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer, Table

from fund.money import format_amount
from fund.proposals.models import MARKER_LABELS, AttachmentKind, Scope
from fund.proposals.presentation import (
    ReferenceNames,
    add_months,
    amount,
    snapshot_budget,
    snapshot_years,
)
from fund.proposals.results_versions import (
    FRAMEWORK_KEY,
    FrameworkNames,
    FrameworkText,
    IndicatorView,
    OutcomeView,
)
from fund.proposals.snapshots import SNAPSHOT_LABELS
from fund.reports.pdf.styles import (
    CONTENT_WIDTH,
    PageFurniture,
    PdfStyles,
    TextParagraph,
    long_date,
    long_time,
    render,
    with_heading,
)
from fund.reports.pdf.tables import fact_table, paragraph_table

# Sections that gather several parts of the snapshot (each part keeps its label inside).
SECTION_TITLES = {
    "scope": "Geography",
    "planned_start": "Timeline",
    "primary_objective": "GCM objectives",
    "gender_marker": "Gender and human rights markers",
    "budget_lines": "Budget",
}


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


class ProposalDocument:
    """Builds the flowables of one submitted version."""

    def __init__(
        self,
        snapshot: dict[str, Any],
        names: ReferenceNames,
        framework_names: FrameworkNames | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.names = names
        # Names for the codes of the results framework (a code without one is shown as it is).
        self.framework = FrameworkText(framework_names or FrameworkNames())
        self.styles = PdfStyles.document()
        self.para = self.styles.para
        # A table whose text wraps inside its columns; repeated header on every page.
        self.table = partial(paragraph_table, self.styles)
        # Label-value pairs in two columns.
        self.facts = partial(fact_table, self.styles, width=CONTENT_WIDTH)

    # small builders ---------------------------------------------------------------------

    def section(self, key: str, *blocks: Flowable) -> list[Flowable]:
        """A heading kept with the start of its content."""
        title = (
            SECTION_TITLES.get(key)
            or SNAPSHOT_LABELS.get(key)
            or key.replace("_", " ").capitalize()
        )
        return with_heading(TextParagraph(title, self.styles.h2), blocks)

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
        blocks += self.results_framework()
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
                    (SNAPSHOT_LABELS["scope"], Scope.labels().get(scope, scope) if scope else None),
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
        if not lines:
            return self.section("budget_lines", self.para("No budget lines."))
        rate, organizations, summary = snapshot_budget(snap)
        stated_total = amount(snap.get("budget_total"))
        h3 = self.styles.h3
        totals = (summary.direct_total, summary.indirect_total, summary.grand_total)

        def costs(first: str, rows: list[tuple[str, Decimal, Decimal, Decimal]]) -> Table:
            """Direct, indirect and total costs by `first`, with their totals."""
            return self.table(
                (first, "Direct costs (USD)", "Indirect support costs (USD)", "Total (USD)"),
                [(label, *(format_amount(v) for v in values)) for label, *values in rows],
                (0.34, 0.22, 0.22, 0.22),
                numeric=(1, 2, 3),
                total=("Total", *(format_amount(v) for v in totals)),
            )

        by_organization = costs(
            "Organization",
            [
                (organizations[i], b.direct, b.indirect, b.total)
                for i, b in summary.by_organization.items()
            ],
        )
        by_objective = costs(
            "GCM objective",
            [
                (
                    self.objective(n),
                    a,
                    summary.indirect_by_objective[n],
                    summary.objective_total(n),
                )
                for n, a in summary.by_objective.items()
            ],
        )
        by_category = self.table(
            ("Budget category", "Amount (USD)"),
            [
                (
                    self.category(code),
                    format_amount(a),
                )
                for code, a in summary.by_category.items()
            ],
            (0.7, 0.3),
            numeric=(1,),
            total=("Total", format_amount(summary.grand_total)),
        )
        all_lines = self.table(
            ("Organization", "Objective", "Category", "Year", "Description", "Amount (USD)"),
            [
                (
                    line.get("organization"),
                    line.get("objective"),
                    self.category(line.get("category")),
                    str(line.get("year") or 1),
                    line.get("description"),
                    format_amount(amount(line.get("amount"))),
                )
                for line in lines
            ],
            (0.16, 0.11, 0.25, 0.07, 0.23, 0.18),
            numeric=(1, 3, 5),
            total=("Total direct costs", "", "", "", "", format_amount(summary.direct_total)),
        )
        years = snapshot_years(snap, summary)
        year_width = 0.78 / (len(years.years) + 1)
        by_year = self.table(
            ("Organization", *(f"Year {year} (USD)" for year in years.years), "Total (USD)"),
            [
                (
                    organizations[i],
                    *(
                        format_amount(years.cells[i][y]) if y in years.cells[i] else "—"
                        for y in years.years
                    ),
                    format_amount(total),
                )
                for i, total in years.totals.items()
            ],
            (0.22, *([year_width] * (len(years.years) + 1))),
            numeric=tuple(range(1, len(years.years) + 2)),
            total=(
                "Total",
                *(format_amount(years.year_totals[y]) for y in years.years),
                format_amount(years.grand_total),
            ),
        )
        facts = [
            (
                SNAPSHOT_LABELS["indirect_rate"],
                f"{rate * 100:.2f}% of each organization's direct costs",
            ),
            (SNAPSHOT_LABELS["budget_total"], format_amount(stated_total)),
        ]
        if stated_total is not None and stated_total != summary.grand_total:
            facts.append(("Note", f"The lines below add up to USD {summary.grand_total:,.2f}."))
        return [
            *self.section("budget_lines", self.facts(facts)),
            KeepTogether([Paragraph("By participating organization", h3), by_organization]),
            KeepTogether(
                [
                    Paragraph(
                        "By programme year (each year's direct costs with their indirect support "
                        "costs, rounded to the cent; the totals are per organization, its "
                        "indirect support costs computed on its whole budget)",
                        h3,
                    ),
                    by_year,
                ]
            ),
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

    def results_framework(self) -> list[Flowable]:
        """Each outcome with what it maps to and its outputs, then its indicators' table; the
        section's heading kept with the first outcome."""
        outcomes = self.framework.outcomes(self.snapshot.get(FRAMEWORK_KEY))
        if not outcomes:
            return self.section(FRAMEWORK_KEY, self.para("None given."))
        blocks = [block for outcome in outcomes for block in self.outcome(outcome)]
        return self.section(FRAMEWORK_KEY, *blocks)

    def outcome(self, outcome: OutcomeView) -> list[Flowable]:
        h3 = self.styles.h3
        facts = self.facts(
            [
                ("Fund outcome", outcome.fund_outcome),
                ("GCM objectives", "\n".join(outcome.objectives)),
                ("SDG targets", "\n".join(outcome.sdg_targets)),
                (
                    "Outputs",
                    "\n".join(f"{n}. {t}" for n, t in enumerate(outcome.outputs, start=1)),
                ),
            ]
        )
        title = TextParagraph(f"Outcome {outcome.number}: {outcome.title}", h3)
        if not outcome.indicators:
            return [KeepTogether([title, facts, self.para("No indicator.", self.styles.note)])]
        indicators = self.table(
            (
                "Indicator",
                "Unit",
                "Baseline (year) and source",
                "Yearly targets",
                "End target",
                "Responsible organization",
            ),
            [_indicator_row(i) for i in outcome.indicators],
            (0.27, 0.09, 0.22, 0.15, 0.12, 0.15),
        )
        return [
            KeepTogether([title, facts]),
            Spacer(1, 4),
            # The table's heading never ends a page; the table starts on this page when a few
            # of its rows fit (no half-empty page), its header repeated on each.
            CondPageBreak(45 * mm),
            TextParagraph(f"Indicators of outcome {outcome.number}", h3),
            indicators,
        ]

    def attachments(self) -> list[Flowable]:
        attachments = self.snapshot.get("attachments") or []
        if not attachments:
            return self.section("attachments", self.para("None."))
        rows = [
            (
                a.get("filename"),
                AttachmentKind.labels().get(a.get("kind"), a.get("kind"))
                + (f": {self.country(a['country'])}" if a.get("country") else ""),
                a.get("sha256"),
            )
            for a in attachments
        ]
        return self.section(
            "attachments", self.table(("File", "Kind", "SHA-256"), rows, (0.3, 0.3, 0.4))
        )


def _indicator_row(indicator: IndicatorView) -> tuple[Any, ...]:
    """One indicator's row: its output, disaggregation and means of verification under its
    definition; the baseline's source and link under the baseline; values without their unit,
    which has its column."""

    def bare(text: str | None) -> str | None:
        # "1,200 people" -> "1,200": the values are written with a no-break space before it.
        return text.replace(f"\u00a0{indicator.unit}", "") if text and indicator.unit else text

    described = [indicator.definition]
    if indicator.output:
        described.append(f"Output: {indicator.output}")
    if indicator.disaggregation:
        # "By sex, age" -> "Disaggregated by sex, age"
        described.append("Disaggregated " + indicator.disaggregation.replace("By ", "by ", 1))
    if indicator.means_of_verification:
        described.append(f"Verified by: {indicator.means_of_verification}")
    baseline = [bare(indicator.baseline) or "Not given", indicator.source, indicator.link]
    responsible = (
        f"{indicator.responsible}: {indicator.responsible_name}"
        if indicator.responsible and indicator.responsible_name not in (None, indicator.responsible)
        else indicator.responsible
    )
    return (
        "\n".join(described),
        indicator.unit,
        "\n".join(part for part in baseline if part),
        "\n".join(bare(t) or "" for t in indicator.targets),
        bare(indicator.end_target),
        responsible,
    )


def _long_date(day: date | None) -> str | None:
    return long_date(day) if day else None


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "\n".join(_plain(v) for v in value)
    return "—" if value is None else str(value)


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
    framework_names: FrameworkNames | None = None,
) -> bytes:
    """The PDF of one submitted version of a proposal; `framework_names` name the codes of its
    results framework (`fund.proposals.results_versions.framework_names`)."""
    document = ProposalDocument(snapshot, names, framework_names)
    s = document.styles
    submitted = f"Submitted {long_time(submitted_at)}" + (
        f" by {submitted_by}" if submitted_by else ""
    )
    story: list[Flowable] = [
        TextParagraph(snapshot.get("title") or "Untitled proposal", s.title),
        TextParagraph(f"Proposal {reference} · version {number} · {call_title}", s.meta),
        TextParagraph(f"{submitted}. This is the version as submitted.", s.meta),
        Spacer(1, 4),
        *document.story(),
    ]
    furniture = PageFurniture(
        header_left=fund_name,
        header_right=f"Proposal {reference} · version {number}",
        footer_left=f"Generated {long_time(generated_at)}",
    )
    return render(
        story,
        furniture,
        title=f"{reference} version {number}: {snapshot.get('title') or ''}",
        author=fund_name,
        subject="Proposal document",
    )
