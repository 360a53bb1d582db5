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

from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from fund.audit.queries import head
from fund.days import in_words, moment_in_words
from fund.i18n import amount, current_language, labelled, money
from fund.pipeline.queries import Entry, RankedPipeline, config_rate, ranked_pipeline
from fund.reference.translations import country_name, objective_label
from fund.reports.pdf.document import (
    FundDocument,
    fund_names,
    render_document,
)
from fund.reports.pdf.styles import PdfStyles, TextParagraph, audit_footer
from fund.reports.pdf.tables import data_table, fact_table
from fund.sentences import listed, month_count, said


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
    language = current_language()
    named = (f"{n}. {objective_label(n, language, label)}" for n, label in entry.objectives)
    return "\n".join(named) or "—"


def _countries(entry: Entry) -> str:
    language = current_language()
    named = (country_name(iso2, language, name) for iso2, name in entry.countries)
    return listed(named) or _("Global (no country)")


def _partners(entry: Entry) -> str:
    return "\n".join(f"{name} ({_(kind).lower()})" for name, kind in entry.national_partners) or "—"


def _decided(booklet: Booklet, entry: Entry) -> str:
    """The decision on the entry: what and when; in the committee's version also the round,
    the meeting, who recorded it, the committee's summary and the conditions, which the app
    shows only to the secretariat, the committee and the applicant (`fund.committee.visibility`),
    never in the public version."""
    d = entry.decision
    if d is None:
        return "—"
    parts = [said(d.what)]
    if d.decided_at:
        parts[0] += f", {in_words(d.decided_at.date())}"
    if booklet.public:
        return parts[0]
    if d.round_number:
        parts.append(
            _(
                "%(body)s, voting round %(number)s",
                body=_(booklet.decision_body),
                number=d.round_number,
            )
        )
    if d.meeting:
        parts.append(_("Meeting: %(meeting)s", meeting=d.meeting))
    if d.recorded_by:
        parts.append(_("Recorded by %(name)s", name=d.recorded_by))
    if d.summary:
        parts.append(labelled(_("Committee's summary"), d.summary))
    if d.conditions:
        parts.append(labelled(_("Conditions"), d.conditions))
    return "\n".join(parts)


def _named(entry: Entry, beyond: bool = False) -> str:
    """The reference, title and kind of an entry in the ranked list."""
    text = f"{entry.reference} {entry.title}\n{_(entry.kind_label)}"
    if beyond and not entry.within_available:
        text += " · " + _("beyond the money available")
    return text


def _summary_table(booklet: Booklet) -> Flowable:
    p = booklet.pipeline
    if booklet.public:
        return data_table(
            (_("No."), _("Concept note or programme"), _("Objectives"), _("Countries"), _("USD")),
            [
                (
                    e.rank,
                    _named(e),
                    listed(n for n, _label in e.objectives) or "—",
                    _countries(e),
                    amount(e.amount),
                )
                for e in p.entries
            ],
            (0.06, 0.45, 0.12, 0.2, 0.17),
            numeric=(0, 4),
            total=("", _("Total"), "", "", amount(p.total)),
        )
    return data_table(
        (
            _("No."),
            _("Concept note or programme"),
            _("Objectives"),
            _("Countries"),
            _("USD"),
            _("Running"),
        ),
        [
            (
                e.rank,
                _named(e, beyond=True),
                listed(n for n, _label in e.objectives) or "—",
                _countries(e),
                amount(e.amount),
                amount(e.running_total),
            )
            for e in p.entries
        ],
        (0.06, 0.36, 0.12, 0.16, 0.15, 0.15),
        numeric=(0, 4, 5),
        total=("", _("Total"), "", "", amount(p.total), ""),
    )


def _entry(s: PdfStyles, booklet: Booklet, entry: Entry) -> list[Flowable]:
    amount_label = (
        _("Indicative total") if entry.is_concept_note else _("Budget (with indirect costs)")
    )
    applicant = (
        _("%(applicant)s, led by %(lead)s", applicant=entry.applicant, lead=entry.lead)
        if entry.lead and entry.lead != entry.applicant
        else entry.applicant
    )
    facts: list[tuple[str, Any]] = [
        (
            _("Reference"),
            f"{entry.reference} · {_(entry.kind_label)} · {_(entry.status_label)}",
        ),
        (_("Applicant"), applicant),
        (_("Purpose"), entry.summary or "—"),
    ]
    if entry.is_concept_note and entry.problem:
        facts.append((_("The problem"), entry.problem))
    facts += [
        (amount_label, money(entry.amount)),
        (
            _("Duration"),
            month_count(entry.duration_months),
        ),
        (_("GCM objectives"), _objectives(entry)),
        (_("Participating UN entities"), listed(entry.organizations) or "—"),
        (_("National partners"), _partners(entry)),
        (_("Countries"), _countries(entry)),
    ]
    if not booklet.public:
        running = (
            _(
                "%(running)s of %(available)s available",
                running=money(entry.running_total),
                available=money(booklet.pipeline.available),
            )
            if entry.within_available
            else _(
                "%(running)s of %(available)s available: beyond the money available",
                running=money(entry.running_total),
                available=money(booklet.pipeline.available),
            )
        )
        facts.append((_("Running total"), running))
    facts.append((_("Decided"), _decided(booklet, entry)))
    heading = TextParagraph(f"{entry.rank}. {entry.title}", s.h3)
    return [CondPageBreak(40 * mm), KeepTogether([heading, fact_table(s, facts, 0.26)])]


def _story(booklet: Booklet) -> list[Flowable]:
    s = PdfStyles.report()
    p = booklet.pipeline
    body = _(booklet.decision_body)
    title = _("The pipeline (public version)") if booklet.public else _("The pipeline")
    introduction = _(
        "The concept notes the %(body)s approved into the pipeline, in the order it gave them, "
        "then the full programmes it approved that await funding, in order of approval.",
        body=body,
    )
    if booklet.public:
        introduction += " " + _("This version lists what the committee made public.")
    story: list[Flowable] = [
        TextParagraph(title, s.title),
        TextParagraph(
            _("%(body)s · as of %(when)s", body=body, when=moment_in_words(p.as_of)), s.meta
        ),
        Spacer(1, 4),
        TextParagraph(introduction, s.body),
    ]
    facts: list[tuple[str, Any]] = [
        (
            _("Concept notes"),
            _("%(count)s, %(total)s indicated", count=p.concept_notes, total=money(p.notes_total)),
        ),
        (
            _("Approved programmes"),
            _("%(count)s, %(total)s", count=p.programmes, total=money(p.programmes_total)),
        ),
    ]
    if not booklet.public:
        facts.append(
            (
                _("Money available"),
                ngettext(
                    "%(available)s in the pools; it covers the first %(within)s of %(num)s line",
                    "%(available)s in the pools; it covers the first %(within)s of %(num)s lines",
                    len(p.entries),
                    available=money(p.available),
                    within=p.within_available,
                ),
            )
        )
        if p.ranking:
            facts.append(
                (
                    _("Latest order"),
                    _(
                        "%(when)s, recorded by %(name)s, on the decision: %(decision)s",
                        when=moment_in_words(p.ranking.at),
                        name=p.ranking.by,
                        decision=said(p.ranking.decision),
                    ),
                )
            )
    story += [TextParagraph(_("Summary"), s.h2), fact_table(s, facts, 0.26)]
    if not p.entries:
        story.append(TextParagraph(_("Nothing is in the pipeline."), s.note))
        return story
    story += [TextParagraph(_("The ranked list"), s.h2), _summary_table(booklet)]
    # The section's heading stays on the page of its first entry.
    first, *rest = p.entries
    page_break, block = _entry(s, booklet, first)
    story += [
        page_break,
        KeepTogether([TextParagraph(_("Each concept note and programme"), s.h2), block]),
    ]
    for entry in rest:
        story += _entry(s, booklet, entry)
    return story


def render_booklet(booklet: Booklet, *, generated_at: datetime) -> bytes:
    as_of = in_words(booklet.pipeline.as_of.date())
    name = _("Pipeline booklet (public)") if booklet.public else _("Pipeline booklet")
    return render_document(
        _story(booklet),
        booklet,
        [
            _("%(name)s · as of %(day)s", name=name, day=as_of),
            _("Pipeline · as of %(day)s", day=as_of),
        ],
        (
            _(
                "As of %(when)s · what the committee made public",
                when=moment_in_words(booklet.pipeline.as_of),
            )
            if booklet.public
            else audit_footer(head())
        ),
        title=name,
        subject=_(
            "The pipeline of the %(body)s, generated %(when)s",
            body=_(booklet.decision_body),
            when=moment_in_words(generated_at),
        ),
    )
