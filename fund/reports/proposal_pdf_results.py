"""The results framework's part of the proposal document (`fund.reports.proposal_pdf`): each
outcome with what it maps to and its outputs, then the table of its indicators."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from fund.i18n import DEFAULT, current_language, labelled
from fund.proposals.results_versions import IndicatorView, OutcomeView
from fund.reports.pdf.styles import TextParagraph
from fund.sentences import said

if TYPE_CHECKING:
    from fund.reports.proposal_pdf import ProposalDocument


def outcome_blocks(document: ProposalDocument, outcome: OutcomeView) -> list[Flowable]:
    """One outcome of the document's results framework: its title with what it maps to and its
    outputs, kept together, then its indicators' table (or "No indicator.")."""
    h3 = document.styles.h3
    facts = document.facts(
        [
            (_("Fund outcome"), outcome.fund_outcome),
            (_("GCM objectives"), "\n".join(outcome.objectives)),
            (_("SDG targets"), "\n".join(outcome.sdg_targets)),
            (
                _("Outputs"),
                "\n".join(f"{n}. {t}" for n, t in enumerate(outcome.outputs, start=1)),
            ),
        ]
    )
    title = TextParagraph(
        _("Outcome %(number)s: %(title)s", number=outcome.number, title=outcome.title), h3
    )
    if not outcome.indicators:
        return [
            KeepTogether([title, facts, document.para(_("No indicator."), document.styles.note)])
        ]
    indicators = document.table(
        (
            _("Indicator"),
            _("Unit"),
            _("Baseline (year) and source"),
            _("Yearly targets"),
            _("End target"),
            _("Responsible organization"),
        ),
        [indicator_row(i) for i in outcome.indicators],
        (0.27, 0.09, 0.22, 0.15, 0.12, 0.15),
    )
    return [
        KeepTogether([title, facts]),
        Spacer(1, 4),
        # The table's heading never ends a page; the table starts on this page when a few
        # of its rows fit (no half-empty page), its header repeated on each.
        CondPageBreak(45 * mm),
        TextParagraph(_("Indicators of outcome %(number)s", number=outcome.number), h3),
        indicators,
    ]


def indicator_row(indicator: IndicatorView) -> tuple[Any, ...]:
    """One indicator's row: its output, disaggregation and means of verification under its
    definition; the baseline's source and link under the baseline; values without their unit,
    which has its column."""

    def bare(text: str | None) -> str | None:
        # "1,200 people" -> "1,200": the values are written with a no-break space before it.
        return text.replace(f"\u00a0{indicator.unit}", "") if text and indicator.unit else text

    described = [indicator.definition]
    if indicator.output:
        described.append(_("Output: %(output)s", output=indicator.output))
    if indicator.disaggregation:
        # "By sex, age" -> "Disaggregated by sex, age"; in another language the words as the
        # framework writes them ("Par sexe, âge").
        described.append(
            "Disaggregated " + indicator.disaggregation.replace("By ", "by ", 1)
            if current_language() == DEFAULT
            else said(indicator.disaggregation)
        )
    if indicator.means_of_verification:
        described.append(_("Verified by: %(means)s", means=indicator.means_of_verification))
    source = said(indicator.source) if indicator.source else None
    baseline = [bare(indicator.baseline) or _("Not given"), source, indicator.link]
    responsible = (
        labelled(indicator.responsible, indicator.responsible_name)
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
