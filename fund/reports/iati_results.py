"""The `result` elements of a programme's IATI activity: its results framework.

Each outcome with indicators of its own is a result of type 2 (outcome), each output with
indicators of its own one of type 1 (output): IATI asks at least one indicator of every result.
An indicator's measure follows its unit (IATI IndicatorMeasure: 2 percentage, else 1 unit); it
gives its baseline and one `period` per calendar year with a target (`target`) or what was
achieved (`actual`, from the progress reports). Element order as the IATI 2.03 schema has it:
title, description, reference; an indicator's title, description, baseline, periods.
"""

from __future__ import annotations

from decimal import Decimal

from fund.reports.queries import FundedProgramme
from fund.reports.results_data import IndicatorData, OutcomeData
from fund.xml_text import element, narrative

RESULT_OUTPUT, RESULT_OUTCOME = "1", "2"  # IATI ResultType
MEASURE_UNIT, MEASURE_PERCENTAGE = "1", "2"  # IATI IndicatorMeasure
RESULT_VOCABULARY_OWN = "99"  # IATI ResultVocabulary: the reporting organisation's framework


def indicator_measure(unit: str) -> str:
    """IATI IndicatorMeasure of an indicator's unit: a percentage, or a count of units."""
    text = unit.strip().lower()
    percentage = "%" in text or "percent" in text or "per cent" in text
    return MEASURE_PERCENTAGE if percentage else MEASURE_UNIT


def number_text(value: Decimal) -> str:
    """A value as a plain decimal number, without exponent or trailing zeros (`20`, `12.5`)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _sentences(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _indicator_description(indicator: IndicatorData) -> str:
    unit = f" {indicator.unit}" if indicator.unit and indicator.unit != "%" else indicator.unit
    return _sentences(
        f"Unit: {indicator.unit}." if indicator.unit else "",
        f"End target: {number_text(indicator.end_target)}{unit}."
        if indicator.end_target is not None
        else "",
        f"Disaggregated by {', '.join(indicator.disaggregated_by)}."
        if indicator.disaggregated_by
        else "",
        f"Means of verification: {indicator.means_of_verification}"
        if indicator.means_of_verification
        else "",
        f"Responsible organization: {indicator.responsible}." if indicator.responsible else "",
    )


def _baseline_comment(indicator: IndicatorData) -> str:
    source = indicator.source_label
    if source and indicator.mgi_code:
        assessment = (
            f", assessment of {indicator.mgi_year} ({indicator.mgi_country})"
            if indicator.mgi_year
            else ""
        )
        source = f"{source}: {indicator.mgi_code}{assessment}"
    return _sentences(
        f"Source: {source}." if source else "",
        indicator.baseline_link.strip(),
    )


def _period(start: str, end: str, target: Decimal | None, actual: Decimal | None) -> str:
    content = element("period-start", [("iso-date", start)]) + element(
        "period-end", [("iso-date", end)]
    )
    if target is not None:
        content += element("target", [("value", number_text(target))])
    if actual is not None:
        content += element("actual", [("value", number_text(actual))])
    return element("period", content=content)


def _indicator(indicator: IndicatorData, programme: FundedProgramme) -> str:
    """An indicator: its baseline (when its year is known; the fund records no day: the
    year's first) and a period per calendar year with a target or an actual. With no yearly
    target, its end target is the target of the programme's whole planned period."""
    baseline, end = indicator.baseline_value, indicator.end_target
    # Ascending unless its end target is below its baseline (fewer deaths, lower costs).
    descending = baseline is not None and end is not None and end < baseline
    parts = [element("title", content=narrative(indicator.definition or "Indicator"))]
    description = _indicator_description(indicator)
    if description:
        parts.append(element("description", content=narrative(description)))
    if indicator.baseline_year is not None:
        year = indicator.baseline_year
        attributes = [("year", str(year)), ("iso-date", f"{year:04d}-01-01")]
        if baseline is not None:
            attributes.append(("value", number_text(baseline)))
        comment = _baseline_comment(indicator)
        parts.append(
            element(
                "baseline",
                attributes,
                element("comment", content=narrative(comment)) if comment else "",
            )
        )
    start, finish = programme.planned_start, programme.planned_end
    yearly = any(p.target is not None for p in indicator.periods)
    if end is not None and not yearly and start and finish:
        parts.append(_period(start.isoformat(), finish.isoformat(), end, None))
    parts.extend(
        _period(f"{p.year:04d}-01-01", f"{p.year:04d}-12-31", p.target, p.actual)
        for p in indicator.periods
    )
    return element(
        "indicator",
        [("measure", indicator_measure(indicator.unit)), ("ascending", "0" if descending else "1")],
        "".join(parts),
    )


def _outcome_description(outcome: OutcomeData) -> str:
    fund = (
        f"Contributes to the fund's outcome {outcome.fund_outcome_code}: "
        f"{outcome.fund_outcome_title}."
        if outcome.fund_outcome_code
        else ""
    )
    objectives = ", ".join(str(n) for n in outcome.objectives)
    return _sentences(
        fund,
        f"GCM objectives: {objectives}." if objectives else "",
        f"SDG targets: {', '.join(outcome.sdg_targets)}." if outcome.sdg_targets else "",
    )


def results_xml(programme: FundedProgramme) -> list[str]:
    """The programme's `result` elements: each outcome with indicators of its own (type 2),
    then each of its outputs with indicators of its own (type 1). An outcome or output without
    indicators is left out: IATI asks at least one indicator of every result."""
    found = []
    for outcome in programme.results:
        if outcome.indicators:
            parts = [element("title", content=narrative(outcome.title or "Outcome"))]
            description = _outcome_description(outcome)
            if description:
                parts.append(element("description", content=narrative(description)))
            if outcome.fund_outcome_code:
                parts.append(
                    element(
                        "reference",
                        [
                            ("code", outcome.fund_outcome_code),
                            ("vocabulary", RESULT_VOCABULARY_OWN),
                        ],
                    )
                )
            parts.extend(_indicator(i, programme) for i in outcome.indicators)
            found.append(element("result", [("type", RESULT_OUTCOME)], "".join(parts)))
        for output in outcome.outputs:
            if not output.indicators:
                continue
            parts = [
                element("title", content=narrative(output.title or "Output")),
                element(
                    "description",
                    content=narrative(f"An output of the outcome: {outcome.title}"),
                ),
                *(_indicator(i, programme) for i in output.indicators),
            ]
            found.append(element("result", [("type", RESULT_OUTPUT)], "".join(parts)))
    return found
