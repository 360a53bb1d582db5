"""The pipeline booklet (PDF): the ranked pipeline (`fund.pipeline.queries.ranked_pipeline`)
with, for each concept note or programme, its purpose, indicative total or budget, duration,
objectives, participating UN entities, national partners, countries, and the committee's
decision. The secretariat's version (the secretariat and the committee read it) adds the
running total against the money available; the public version lists only what the committee
made public, without the pools' money. Every page carries the as-of date in its header.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from fund.audit.queries import head
from fund.money import format_amount, format_usd
from fund.pipeline.queries import Entry, RankedPipeline, config_rate, ranked_pipeline
from fund.reports.pdf.document import FundDocument, fund_names, render_document
from fund.reports.pdf.styles import (
    PdfStyles,
    TextParagraph,
    audit_footer,
    long_date,
    long_time,
    markup,
)
from fund.reports.pdf.tables import data_table, fact_table


@dataclass
class Booklet(FundDocument):
    pipeline: RankedPipeline

    @property
    def public(self) -> bool:
        return self.pipeline.public_only


def build_booklet(config: Mapping[str, Any], *, public: bool = False) -> Booklet:
    return Booklet(
        **fund_names(config), pipeline=ranked_pipeline(config_rate(config), public_only=public)
    )


def _objectives(entry: Entry) -> str:
    return "\n".join(f"{n}. {label}" for n, label in entry.objectives) or "—"


def _countries(entry: Entry) -> str:
    return ", ".join(name for _, name in entry.countries) or "Global (no country)"


def _partners(entry: Entry) -> str:
    return "\n".join(f"{name} ({kind.lower()})" for name, kind in entry.national_partners) or "—"


def _decided(booklet: Booklet, entry: Entry) -> str:
    d = entry.decision
    if d is None:
        return "—"
    parts = [d.what]
    if d.decided_at:
        parts[0] += f", {long_date(d.decided_at.date())}"
    if d.round_number:
        parts.append(f"{booklet.decision_body}, voting round {d.round_number}")
    if d.meeting:
        parts.append(f"Meeting: {d.meeting}")
    if d.recorded_by and not booklet.public:
        parts.append(f"Recorded by {d.recorded_by}")
    if d.conditions:
        parts.append(f"Conditions: {d.conditions}")
    return "\n".join(parts)


def _summary_table(booklet: Booklet) -> Flowable:
    p = booklet.pipeline
    if booklet.public:
        return data_table(
            ("No.", "Concept note or programme", "Objectives", "Countries", "USD"),
            [
                (
                    e.rank,
                    f"{e.reference} {e.title}\n{e.kind_label}",
                    ", ".join(str(n) for n, _ in e.objectives) or "—",
                    _countries(e),
                    format_amount(e.amount),
                )
                for e in p.entries
            ],
            (0.06, 0.45, 0.12, 0.2, 0.17),
            numeric=(0, 4),
            total=("", "Total", "", "", format_amount(p.total)),
        )
    return data_table(
        ("No.", "Concept note or programme", "Objectives", "Countries", "USD", "Running"),
        [
            (
                e.rank,
                f"{e.reference} {e.title}\n{e.kind_label}"
                + ("" if e.within_available else " · beyond the money available"),
                ", ".join(str(n) for n, _ in e.objectives) or "—",
                _countries(e),
                format_amount(e.amount),
                format_amount(e.running_total),
            )
            for e in p.entries
        ],
        (0.06, 0.36, 0.12, 0.16, 0.15, 0.15),
        numeric=(0, 4, 5),
        total=("", "Total", "", "", format_amount(p.total), ""),
    )


def _entry(s: PdfStyles, booklet: Booklet, entry: Entry) -> list[Flowable]:
    amount_label = "Indicative total" if entry.is_concept_note else "Budget (with indirect costs)"
    facts: list[tuple[str, Any]] = [
        ("Reference", f"{entry.reference} · {entry.kind_label} · {entry.status_label}"),
        ("Applicant", entry.applicant + (f", led by {entry.lead}" if entry.lead else "")),
        ("Purpose", entry.summary or "—"),
    ]
    if entry.is_concept_note and entry.problem:
        facts.append(("The problem", entry.problem))
    facts += [
        (amount_label, format_usd(entry.amount)),
        ("Duration", f"{entry.duration_months} months" if entry.duration_months else "—"),
        ("GCM objectives", _objectives(entry)),
        ("Participating UN entities", ", ".join(entry.organizations) or "—"),
        ("National partners", _partners(entry)),
        ("Countries", _countries(entry)),
    ]
    if not booklet.public:
        facts.append(
            (
                "Running total",
                f"{format_usd(entry.running_total)} of "
                f"{format_usd(booklet.pipeline.available)} available"
                + ("" if entry.within_available else ": beyond the money available"),
            )
        )
    facts.append(("Decided", _decided(booklet, entry)))
    heading = TextParagraph(f"{entry.rank}. {entry.title}", s.h3)
    return [CondPageBreak(40 * mm), KeepTogether([heading, fact_table(s, facts, 0.26)])]


def _story(booklet: Booklet) -> list[Flowable]:
    s = PdfStyles.report()
    p = booklet.pipeline
    title = "The pipeline" + (" (public version)" if booklet.public else "")
    story: list[Flowable] = [
        TextParagraph(title, s.title),
        TextParagraph(f"{booklet.decision_body} · as of {long_time(p.as_of)}", s.meta),
        Spacer(1, 4),
        Paragraph(
            markup(
                f"The concept notes the {booklet.decision_body} approved into the pipeline, in "
                "the order it gave them, then the full programmes it approved that await "
                "funding, in order of approval."
                + (" This version lists what the committee made public." if booklet.public else "")
            ),
            s.body,
        ),
    ]
    facts: list[tuple[str, Any]] = [
        ("Concept notes", f"{p.concept_notes}, {format_usd(p.notes_total)} indicated"),
        ("Approved programmes", f"{p.programmes}, {format_usd(p.programmes_total)}"),
    ]
    if not booklet.public:
        facts.append(
            (
                "Money available",
                f"{format_usd(p.available)} in the pools; it covers the first "
                f"{p.within_available} of {len(p.entries)} lines",
            )
        )
        if p.ranking:
            facts.append(
                (
                    "Latest order",
                    f"{long_time(p.ranking.at)}, recorded by {p.ranking.by}, on the decision: "
                    f"{p.ranking.decision}",
                )
            )
    story += [Paragraph("Summary", s.h2), fact_table(s, facts, 0.26)]
    if not p.entries:
        story.append(Paragraph("Nothing is in the pipeline.", s.note))
        return story
    story += [Paragraph("The ranked list", s.h2), _summary_table(booklet)]
    # The section's heading stays on the page of its first entry.
    first, *rest = p.entries
    page_break, block = _entry(s, booklet, first)
    story += [page_break, KeepTogether([Paragraph("Each concept note and programme", s.h2), block])]
    for entry in rest:
        story += _entry(s, booklet, entry)
    return story


def render_booklet(booklet: Booklet, *, generated_at: datetime) -> bytes:
    as_of = long_date(booklet.pipeline.as_of.date())
    name = "Pipeline booklet" + (" (public)" if booklet.public else "")
    return render_document(
        _story(booklet),
        booklet,
        [f"{name} · as of {as_of}", f"Pipeline · as of {as_of}"],
        (
            f"As of {long_time(booklet.pipeline.as_of)} · what the committee made public"
            if booklet.public
            else audit_footer(head())
        ),
        title=name,
        subject=f"The pipeline of the {booklet.decision_body}, generated {long_time(generated_at)}",
    )
