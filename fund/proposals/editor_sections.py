"""The sections of the proposal editor and how complete each is.

Completeness is never judged here: each section gathers the problems that
`fund.proposals.checks.submission_problems` reports (the rules of submission), by the field
each problem names; the results framework's section also what screening will find in it
(`fund.proposals.results_check.results_warnings`), which never stops a submission. A section
with no problem and no warning is complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fund.labels import N_
from fund.proposals.checks import Problem
from fund.sentences import Sentence


@dataclass(frozen=True)
class Section:
    anchor: str  # the id of the section on the editor's page
    title: str
    fields: tuple[str, ...]  # the form fields (problem anchors) it holds


SECTIONS: tuple[Section, ...] = (
    Section(
        "s-general",
        N_("About the programme"),
        ("title", "summary", "rationale", "planned_start", "duration_months"),
    ),
    Section(
        "s-organizations",
        N_("Organizations and partners"),
        ("lead_organization_id", "participants"),
    ),
    Section(
        "s-countries",
        N_("Countries and endorsing governments"),
        ("scope", "countries", "endorsers"),
    ),
    Section(
        "s-objectives",
        N_("Objectives and principles"),
        ("primary_objective_number", "secondary_objectives", "principles"),
    ),
    Section("s-markers", N_("Markers"), ("gender_marker", "human_rights_marker")),
    Section("s-budget", N_("Budget"), ("budget",)),
    Section("s-contacts", N_("Contact persons"), ("contacts",)),
    Section("s-attachments", N_("Attachments"), ("attachments",)),
    Section("s-results", N_("Results framework"), ("results",)),
)
ANCHORS = frozenset(s.anchor for s in SECTIONS)
RESULTS_SECTION = "s-results"  # where what screening will find in the framework is shown
_BY_FIELD = {name: s for s in SECTIONS for name in s.fields}


def section_of(field_name: str) -> Section:
    """The section that holds a problem's field; a budget row's field (`budget-3-year`) is
    the budget's. An unknown field is refused, so that no problem goes unshown."""
    name = field_name.split("-", 1)[0]
    try:
        return _BY_FIELD[name]
    except KeyError:
        raise KeyError(f"no section of the editor holds the field {field_name!r}") from None


@dataclass
class SectionState:
    section: Section
    problems: list[Problem] = field(default_factory=list)
    # What screening will find here: shown, never in the way of a submission.
    warnings: list[Sentence] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.problems and not self.warnings


def progress(problems: Iterable[Problem], warnings: Iterable[Sentence] = ()) -> list[SectionState]:
    """Each section, in the editor's order, with the submission problems in it, and the
    results framework's with the `warnings` of screening too."""
    states = {s.anchor: SectionState(s) for s in SECTIONS}
    for problem in problems:
        states[section_of(problem.field).anchor].problems.append(problem)
    states[RESULTS_SECTION].warnings.extend(warnings)
    return list(states.values())
