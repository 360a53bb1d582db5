"""The proposal document: a submitted version of a proposal as a PDF, for reading offline.

It is made from the version's snapshot (what was submitted, never changed since), with names
looked up for the codes the snapshot stores. Every part of the snapshot has a section.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from flask_babel import gettext as _
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from fund.days import moment_in_words
from fund.i18n import amount as format_amount
from fund.i18n import labelled, money, percent
from fund.labels import N_
from fund.proposals.models import (
    MARKER_LABELS,
    AttachmentKind,
    PartnerType,
    Scope,
    planned_dates,
)
from fund.proposals.presentation import (
    ReferenceNames,
    amount,
    long_date,
    snapshot_budget,
    snapshot_years,
)
from fund.proposals.results_versions import (
    FRAMEWORK_KEY,
    FrameworkNames,
    FrameworkText,
)
from fund.proposals.snapshots import SNAPSHOT_LABELS
from fund.reports.pdf.styles import (
    CONTENT_WIDTH,
    PageFurniture,
    PdfStyles,
    TextParagraph,
    render,
    with_heading,
)
from fund.reports.pdf.tables import fact_table, paragraph_table
from fund.reports.proposal_pdf_results import outcome_blocks
from fund.sentences import LONG_LIST_SEPARATOR, listed

# Sections that gather several parts of the snapshot (each part keeps its label inside).
SECTION_TITLES = {
    "scope": N_("Geography"),
    "planned_start": N_("Timeline"),
    "primary_objective": N_("GCM objectives"),
    "gender_marker": N_("Gender and human rights markers"),
    "budget_lines": N_("Budget"),
}


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
        label = SECTION_TITLES.get(key) or SNAPSHOT_LABELS.get(key)
        title = _(label) if label else key.replace("_", " ").capitalize()
        return with_heading(TextParagraph(title, self.styles.h2), blocks)

    def organization(self, label: str | None) -> str:
        if not label:
            return "—"
        name = self.names.organizations.get(label)
        return labelled(label, name) if name and name != label else label

    def country(self, iso2: str) -> str:
        return f"{self.names.countries.get(iso2, iso2)} ({iso2})"

    def objective(self, number: Any) -> str:
        if number in (None, ""):
            return "—"
        label = self.names.objectives.get(int(number))
        if label:
            return _("Objective %(number)s: %(label)s", number=number, label=_(label))
        return _("Objective %(number)s", number=number)

    def category(self, code: Any) -> str:
        title = self.names.categories.get(int(code)) if code not in (None, "") else None
        return f"{code}. {_(title)}" if title else str(code)

    # sections ---------------------------------------------------------------------------

    def story(self) -> list[Flowable]:
        snap = self.snapshot
        blocks: list[Flowable] = []
        blocks += self.section("summary", self.para(snap.get("summary")))
        blocks += self.section("rationale", self.para(snap.get("rationale")))
        blocks += self.organizations()
        blocks += self.national_partners()
        blocks += self.geography()
        blocks += self.timeline()
        blocks += self.objectives()
        blocks += self.markers()
        blocks += self.principles()
        blocks += self.contacts()
        blocks += self.indicative() if is_concept_note(snap) else self.budget()
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
            (p, self.names.organizations.get(p, p), _("Lead") if p == lead else _("Participating"))
            for p in participants
        ]
        if lead and lead not in participants:
            rows.insert(0, (lead, self.names.organizations.get(lead, lead), _("Lead")))
        return self.section(
            "participants",
            self.facts([(_(SNAPSHOT_LABELS["lead_organization"]), self.organization(lead))]),
            Spacer(1, 4),
            self.table((_("Acronym"), _("Organization"), _("Role")), rows, (0.18, 0.62, 0.2))
            if rows
            else self.para(_("No participating organization.")),
        )

    def national_partners(self) -> list[Flowable]:
        """The national partners and the kind of each (a part of concept notes, and of
        proposals that name any)."""
        if "national_partners" not in self.snapshot:
            return []
        partners = self.snapshot.get("national_partners") or []
        if not partners:
            return self.section("national_partners", self.para(_("None given.")))
        return self.section(
            "national_partners",
            self.table(
                (_("Partner"), _("Kind")),
                [(p.get("name"), _(PartnerType.label_of(p.get("type")))) for p in partners],
                (0.6, 0.4),
            ),
        )

    def indicative(self) -> list[Flowable]:
        """A concept note's money: the indicative total of each UN entity, and their sum."""
        totals = self.snapshot.get("indicative_totals") or {}
        if not totals:
            return self.section("indicative_totals", self.para(_("None given.")))
        return self.section(
            "indicative_totals",
            self.table(
                (_("Acronym"), _("Organization"), _("Indicative total (USD)")),
                [
                    (label, self.names.organizations.get(label, label), format_amount(amount(v)))
                    for label, v in totals.items()
                ],
                (0.18, 0.52, 0.3),
                numeric=(2,),
                total=(
                    "",
                    _("Total"),
                    format_amount(amount(self.snapshot.get("indicative_total"))),
                ),
            ),
        )

    def geography(self) -> list[Flowable]:
        snap = self.snapshot
        scope = snap.get("scope")
        return self.section(
            "scope",
            self.facts(
                [
                    (
                        _(SNAPSHOT_LABELS["scope"]),
                        _(Scope.labels().get(scope, scope)) if scope else None,
                    ),
                    (
                        _(SNAPSHOT_LABELS["countries"]),
                        listed(
                            (self.country(c) for c in snap.get("countries") or []),
                            LONG_LIST_SEPARATOR,
                        ),
                    ),
                    (
                        _(SNAPSHOT_LABELS["endorsers"]),
                        listed(
                            (self.country(c) for c in snap.get("endorsers") or []),
                            LONG_LIST_SEPARATOR,
                        ),
                    ),
                ]
            ),
        )

    def timeline(self) -> list[Flowable]:
        start, end = planned_dates(self.snapshot)
        months = self.snapshot.get("duration_months")
        return self.section(
            "planned_start",
            self.facts(
                [
                    (_(SNAPSHOT_LABELS["planned_start"]), long_date(start)),
                    (_(SNAPSHOT_LABELS["duration_months"]), months),
                    (_("Planned end"), long_date(end)),
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
                        _(SNAPSHOT_LABELS["primary_objective"]),
                        self.objective(snap.get("primary_objective")),
                    ),
                    (
                        _(SNAPSHOT_LABELS["secondary_objectives"]),
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
            return _(MARKER_LABELS.get(value, str(value))) if value is not None else None

        return self.section(
            "gender_marker",
            self.facts(
                [
                    (_(SNAPSHOT_LABELS["gender_marker"]), marker("gender_marker")),
                    (_(SNAPSHOT_LABELS["human_rights_marker"]), marker("human_rights_marker")),
                ]
            ),
        )

    def principles(self) -> list[Flowable]:
        principles = self.snapshot.get("principles") or {}
        if not principles:
            return self.section("principles", self.para(_("None given.")))
        rows = [(self.names.principles.get(code, code), text) for code, text in principles.items()]
        return self.section(
            "principles",
            self.table((_("Principle"), _("How the programme applies it")), rows, (0.3, 0.7)),
        )

    def contacts(self) -> list[Flowable]:
        contacts = self.snapshot.get("contacts") or []
        if not contacts:
            return self.section("contacts", self.para(_("None given.")))
        rows = [(c.get("name"), c.get("email"), c.get("function")) for c in contacts]
        return self.section(
            "contacts",
            self.table((_("Name"), _("Email"), _("Function")), rows, (0.3, 0.4, 0.3)),
        )

    def budget(self) -> list[Flowable]:
        snap = self.snapshot
        lines = snap.get("budget_lines") or []
        if not lines:
            return self.section("budget_lines", self.para(_("No budget lines.")))
        rate, organizations, summary = snapshot_budget(snap)
        stated_total = amount(snap.get("budget_total"))
        h3 = self.styles.h3
        totals = (summary.direct_total, summary.indirect_total, summary.grand_total)

        def costs(first: str, rows: list[tuple[str, Decimal, Decimal, Decimal]]) -> Table:
            """Direct, indirect and total costs by `first`, with their totals."""
            return self.table(
                (
                    first,
                    _("Direct costs (USD)"),
                    _("Indirect support costs (USD)"),
                    _("Total (USD)"),
                ),
                [(label, *(format_amount(v) for v in values)) for label, *values in rows],
                (0.34, 0.22, 0.22, 0.22),
                numeric=(1, 2, 3),
                total=(_("Total"), *(format_amount(v) for v in totals)),
            )

        by_organization = costs(
            _("Organization"),
            [
                (organizations[i], b.direct, b.indirect, b.total)
                for i, b in summary.by_organization.items()
            ],
        )
        by_objective = costs(
            _("GCM objective"),
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
            (_("Budget category"), _("Amount (USD)")),
            [
                (
                    self.category(code),
                    format_amount(a),
                )
                for code, a in summary.by_category.items()
            ],
            (0.7, 0.3),
            numeric=(1,),
            total=(_("Total"), format_amount(summary.grand_total)),
        )
        all_lines = self.table(
            (
                _("Organization"),
                _("Objective"),
                _("Category"),
                _("Year"),
                _("Description"),
                _("Amount (USD)"),
            ),
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
            total=(_("Total direct costs"), "", "", "", "", format_amount(summary.direct_total)),
        )
        years = snapshot_years(snap, summary)
        year_width = 0.78 / (len(years.years) + 1)
        by_year = self.table(
            (
                _("Organization"),
                *(_("Year %(year)s (USD)", year=year) for year in years.years),
                _("Total (USD)"),
            ),
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
                _("Total"),
                *(format_amount(years.year_totals[y]) for y in years.years),
                format_amount(years.grand_total),
            ),
        )
        rate_text = percent(rate, 2)
        facts = [
            (
                _(SNAPSHOT_LABELS["indirect_rate"]),
                _("%(rate)s of each organization's direct costs", rate=rate_text),
            ),
            (_(SNAPSHOT_LABELS["budget_total"]), format_amount(stated_total)),
        ]
        if stated_total is not None and stated_total != summary.grand_total:
            facts.append(
                (
                    _("Note"),
                    _(
                        "The lines below add up to %(amount)s.",
                        amount=money(summary.grand_total),
                    ),
                )
            )
        return [
            *self.section("budget_lines", self.facts(facts)),
            KeepTogether([TextParagraph(_("By participating organization"), h3), by_organization]),
            KeepTogether(
                [
                    TextParagraph(
                        _(
                            "By programme year (each year's direct costs with their indirect "
                            "support costs, rounded to the cent; the totals are per "
                            "organization, its indirect support costs computed on its whole "
                            "budget)"
                        ),
                        h3,
                    ),
                    by_year,
                ]
            ),
            KeepTogether(
                [
                    TextParagraph(
                        _(
                            "By GCM objective (each organization's indirect support costs "
                            "split over its objectives in proportion to direct costs, as "
                            "coverage counts them)"
                        ),
                        h3,
                    ),
                    by_objective,
                ]
            ),
            KeepTogether([TextParagraph(_("By budget category"), h3), by_category]),
            TextParagraph(_("All %(count)s budget lines", count=len(lines)), h3),
            all_lines,
        ]

    def results_framework(self) -> list[Flowable]:
        """Each outcome with what it maps to and its outputs, then its indicators' table; the
        section's heading kept with the first outcome (`proposal_pdf_results`)."""
        outcomes = self.framework.outcomes(self.snapshot.get(FRAMEWORK_KEY))
        if not outcomes:
            return self.section(FRAMEWORK_KEY, self.para(_("None given.")))
        blocks = [block for outcome in outcomes for block in outcome_blocks(self, outcome)]
        return self.section(FRAMEWORK_KEY, *blocks)

    def _attachment_kind(self, attachment: dict[str, Any]) -> str:
        """An attachment's kind, with the country of an endorsement letter: "Endorsement
        letter: Kenya"."""
        kind = _(AttachmentKind.labels().get(attachment.get("kind"), attachment.get("kind")))
        country = attachment.get("country")
        return labelled(kind, self.country(country)) if country else kind

    def attachments(self) -> list[Flowable]:
        attachments = self.snapshot.get("attachments") or []
        if not attachments:
            return self.section("attachments", self.para(_("None.")))
        rows = [(a.get("filename"), self._attachment_kind(a), a.get("sha256")) for a in attachments]
        return self.section(
            "attachments",
            self.table((_("File"), _("Kind"), _("SHA-256")), rows, (0.3, 0.3, 0.4)),
        )


def is_concept_note(snapshot: dict[str, Any]) -> bool:
    """A concept note's version: its snapshot holds indicative totals, not a budget."""
    return "indicative_totals" in snapshot


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return "\n".join(labelled(k, _plain(v)) for k, v in value.items())
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
    submitted = (
        _("Submitted %(when)s by %(name)s", when=moment_in_words(submitted_at), name=submitted_by)
        if submitted_by
        else _("Submitted %(when)s", when=moment_in_words(submitted_at))
    )
    note = is_concept_note(snapshot)
    story: list[Flowable] = [
        TextParagraph(snapshot.get("title") or _("Untitled proposal"), s.title),
        TextParagraph(
            (
                _(
                    "Concept note %(reference)s · version %(number)s · %(call)s",
                    reference=reference,
                    number=number,
                    call=call_title,
                )
                if note
                else _(
                    "Proposal %(reference)s · version %(number)s · %(call)s",
                    reference=reference,
                    number=number,
                    call=call_title,
                )
            ),
            s.meta,
        ),
        TextParagraph(
            _("%(submitted)s. This is the version as submitted.", submitted=submitted), s.meta
        ),
        Spacer(1, 4),
        *document.story(),
    ]
    furniture = PageFurniture(
        header_left=fund_name,
        header_right=(
            _("Concept note %(reference)s · version %(number)s", reference=reference, number=number)
            if note
            else _(
                "Proposal %(reference)s · version %(number)s", reference=reference, number=number
            )
        ),
        footer_left=_("Generated %(when)s", when=moment_in_words(generated_at)),
    )
    return render(
        story,
        furniture,
        title=_(
            "%(reference)s version %(number)s: %(title)s",
            reference=reference,
            number=number,
            title=snapshot.get("title") or "",
        ),
        author=fund_name,
        subject=_("Proposal document"),
    )
