"""The allocation report's "Coverage gaps" section: the thematic areas and GCM objectives
flagged on the coverage dashboard, each with why in words and figures (the rest of the report is
`fund.reports.allocation_sections`)."""

from __future__ import annotations

from flask_babel import gettext as _

from fund.coverage.queries import PIPELINE_ONLY, UNCOVERED, UNDER_TARGET, CoverageRow
from fund.i18n import money as format_usd
from fund.labels import N_
from fund.money import CENT, ZERO
from fund.reports.allocation_data import AllocationReport
from fund.reports.report_parts import Part, ReportTable, flag_words, row_label
from fund.reports.report_parts import share_words as percent


def _waiting(row: CoverageRow, body: str) -> str:
    """The money a row flagged "pipeline only" has waiting, in words: approved, under the
    committee's review, indicated by concept notes in the pipeline (those it has)."""
    parts = (
        (row.pipeline, N_("%(amount)s approved, awaiting funding")),
        (row.review, N_("%(amount)s under %(body)s review")),
        (row.notes, N_("%(amount)s indicated by concept notes in the pipeline")),
    )
    said = [_(what, amount=format_usd(value), body=body) for value, what in parts if value]
    if len(said) == 3:
        return _(
            "%(first)s, %(second)s and %(third)s", first=said[0], second=said[1], third=said[2]
        )
    if len(said) == 2:
        return _("%(first)s and %(second)s", first=said[0], second=said[1])
    return "".join(said)


def gap_text(r: AllocationReport, row: CoverageRow) -> str:
    """Why the row is flagged, with its figures."""
    settings = r.coverage.settings
    target = percent(row.target or ZERO)
    if row.flag == UNCOVERED:
        return _(
            "Nothing funded, approved or under review, for a target of %(target)s.", target=target
        )
    if row.flag == PIPELINE_ONLY:
        return _(
            "Nothing funded yet; %(waiting)s. Target %(target)s.",
            waiting=_waiting(row, _(r.decision_body)),
            target=target,
        )
    funded, share = format_usd(row.funded), percent(row.share)
    if row.flag == UNDER_TARGET:
        at_target = (row.at_target(r.coverage.totals.funded) or ZERO).quantize(CENT)
        return _(
            "%(funded)s funded, %(share)s of the funded money: below %(fraction)s of its target "
            "of %(target)s (%(at_target)s at target).",
            funded=funded,
            share=share,
            fraction=percent(settings.under_target_fraction),
            target=target,
            at_target=format_usd(at_target),
        )
    return _(
        "%(funded)s funded, %(share)s of the funded money: more than %(multiple)s times its "
        "target of %(target)s.",
        funded=funded,
        share=share,
        multiple=settings.concentrated_multiple.normalize(),
        target=target,
    )


def gaps_parts(r: AllocationReport) -> list[Part]:
    c = r.coverage
    settings = c.settings
    explain = _(
        "Flags compare each row's share of the funded money with its target share: "
        "uncovered (nothing funded, approved, under review or indicated by a concept note in "
        "the pipeline), pipeline only (nothing funded yet, but money approved, under review or "
        "indicated by a concept note in the pipeline), under target (below "
        "%(fraction)s of the target), concentrated (above %(multiple)s times the target). A "
        "row whose target is 0%% is never uncovered or under target.",
        fraction=percent(settings.under_target_fraction),
        multiple=settings.concentrated_multiple.normalize(),
    )
    flagged = [
        (_("Thematic area %(code)s: %(title)s", code=x.label, title=x.title), x)
        for x in c.areas
        if x.flag
    ] + [(_("Objective %(label)s", label=row_label(x)), x) for x in c.objectives if x.flag]
    if not flagged:
        return [Part(text=_("No thematic area or objective is flagged."), notes=[explain])]
    rows = [(where, flag_words(row.flag), gap_text(r, row)) for where, row in flagged]
    table = ReportTable(
        _("The flagged thematic areas and objectives, and why"),
        (_("Where"), _("Flag"), _("Why")),
        rows,
        (0.32, 0.13, 0.55),
        flags=1,
    )
    return [Part(table=table, notes=[explain])]
