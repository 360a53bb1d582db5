"""Everything that must hold before a proposal can be submitted.

`submission_problems` lists every problem at once, each tied to the form field (anchor) where
the applicant fixes it, and to the screening criterion it concerns, so that the secretariat's
checklist can be pre-filled from the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fund.accounts.models import OrganizationKind
from fund.calls.models import Stage
from fund.days import DAY
from fund.i18n import Money
from fund.labels import N_
from fund.proposals.budget import Line, programme_years, summarise
from fund.proposals.models import AttachmentKind, PartnerType, Proposal, Scope
from fund.proposals.problems import Problem, Rules, calendar_years, planned_start_problems
from fund.proposals.results import BaselineSource
from fund.reference.translations import CountryName
from fund.sentences import OnDay, Sentence
from workflows.proposal import RETURNED_STATE


def _required(proposal: Proposal) -> list[Problem]:
    missing = _texts(
        proposal,
        (
            ("title", "a title", proposal.title),
            ("summary", "a summary", proposal.summary),
            ("rationale", "the rationale", proposal.rationale),
        ),
    )
    missing.extend(_scope(proposal))
    if proposal.planned_start is None:
        missing.append(Problem("required", "planned_start", N_("Give the planned start date.")))
    if not proposal.contacts:
        missing.append(Problem("required", "contacts", N_("Name at least one contact person.")))
    return missing


# The message of each text left blank, by the words that name it.
MISSING_TEXTS = {
    "a title": N_("Give a title."),
    "a summary": N_("Give a summary."),
    "the rationale": N_("Give the rationale."),
    "a summary of the problem": N_("Give a summary of the problem."),
    "a summary of the change sought": N_("Give a summary of the change sought."),
}


def _texts(proposal: Proposal, texts) -> list[Problem]:
    return [
        Problem("required", field, MISSING_TEXTS.get(label) or f"Give {label}.")
        for field, label, value in texts
        if not (value or "").strip()
    ]


def _scope(proposal: Proposal) -> list[Problem]:
    missing = []
    if proposal.scope is None:
        missing.append(Problem("required", "scope", N_("Choose the scope of the programme.")))
    elif proposal.scope != Scope.GLOBAL and not proposal.countries:
        missing.append(Problem("required", "countries", N_("Name the country or countries.")))
    elif proposal.scope == Scope.NATIONAL and len(proposal.countries) > 1:
        missing.append(
            Problem("required", "countries", N_("A national programme covers one country."))
        )
    return missing


def _joint_programme(proposal: Proposal) -> list[Problem]:
    problems = []
    if proposal.lead_organization is None:
        problems.append(
            Problem(
                "joint_programme",
                "lead_organization_id",
                N_("Choose the lead (convening) UN entity."),
            )
        )
    elif proposal.lead_organization not in proposal.participants:
        problems.append(
            Problem(
                "joint_programme",
                "participants",
                N_("The lead UN entity must be among the participating organizations."),
            )
        )
    un_entities = [o for o in proposal.participants if o.kind == OrganizationKind.UN_ENTITY]
    if len(un_entities) < 2:
        problems.append(
            Problem(
                "joint_programme",
                "participants",
                N_("A joint programme needs at least two participating UN organizations."),
            )
        )
    if len(un_entities) != len(proposal.participants):
        problems.append(
            Problem(
                "joint_programme",
                "participants",
                N_("Only UN entities can be participating organizations."),
            )
        )
    applicant = proposal.organization
    if applicant.kind == OrganizationKind.MEMBER_STATE and applicant.country_iso2 not in {
        c.iso2 for c in proposal.endorsers
    }:
        problems.append(
            Problem(
                "endorsement",
                "endorsers",
                N_("As a member state, %(name)s must be among the endorsing governments."),
                {"name": applicant.name},
            )
        )
    return problems


def _endorsement(proposal: Proposal) -> list[Problem]:
    if not proposal.endorsers:
        return [Problem("endorsement", "endorsers", N_("Name the endorsing government(s)."))]
    letters = {
        a.country_iso2 for a in proposal.attachments if a.kind == AttachmentKind.ENDORSEMENT_LETTER
    }
    return [
        Problem(
            "endorsement",
            "attachments",
            N_("Attach the endorsement letter of the Government of %(country)s."),
            {"country": CountryName(country.iso2, country.name)},
        )
        for country in proposal.endorsers
        if country.iso2 not in letters
    ]


def _objectives(proposal: Proposal) -> list[Problem]:
    if proposal.primary_objective_number is None:
        return [
            Problem(
                "objectives", "primary_objective_number", N_("Choose the primary GCM objective.")
            )
        ]
    cited = {proposal.primary_objective_number} | {o.number for o in proposal.secondary_objectives}
    outside = sorted({line.objective_number for line in proposal.budget_lines} - cited)
    return [
        Problem(
            "objectives",
            "budget",
            N_(
                "The budget uses objective %(number)s, which is not among the proposal's "
                "objectives."
            ),
            {"number": number},
        )
        for number in outside
    ]


def _each_participant(
    proposal: Proposal, covered: set[int], criterion: str, field: str, message: str
) -> list[Problem]:
    """A problem for each participating organization outside `covered` (`message` names it
    by `%(name)s`)."""
    return [
        Problem(criterion, field, message, {"name": organization.label})
        for organization in proposal.participants
        if organization.id not in covered
    ]


def _outsider(criterion: str, field: str, what: str, organization) -> Problem:
    return Problem(
        criterion,
        field,
        N_("%(what)s belongs to %(name)s, which is not a participating organization."),
        {"what": what, "name": organization.label},
    )


def _within_call(
    proposal: Proposal, total: Decimal, criterion: str, field: str, what: str
) -> list[Problem]:
    """A problem unless `total` is within the call's budget limits (`what` says whose)."""
    call = proposal.call
    if call.min_budget <= total <= call.max_budget:
        return []
    return [
        Problem(
            criterion,
            field,
            N_("%(what)s must be between %(min)s and %(max)s for this call."),
            {"what": what, "min": Money(call.min_budget), "max": Money(call.max_budget)},
        )
    ]


def _budget(proposal: Proposal, rules: Rules) -> list[Problem]:
    problems = _each_participant(
        proposal,
        {line.organization_id for line in proposal.budget_lines},
        "budget_limits",
        "budget",
        N_("%(name)s has no budget lines."),
    )
    participants = {o.id for o in proposal.participants}
    for line in proposal.budget_lines:
        if line.organization_id not in participants:
            problems.append(
                _outsider("budget_limits", "budget", "A budget line", line.organization)
            )
        if line.amount is None or line.amount < 0:
            problems.append(
                Problem("budget_limits", "budget", N_("Budget amounts cannot be negative."))
            )
    problems += _years(proposal)
    summary = summarise(
        (
            Line(b.organization_id, b.objective_number, b.category_code, b.amount)
            for b in proposal.budget_lines
            if b.amount is not None
        ),
        rules.indirect_rate,
    )
    total = summary.grand_total
    return problems + _within_call(
        proposal,
        total,
        "budget_limits",
        "budget",
        Sentence(
            N_("The total budget (%(amount)s, with indirect support costs)"),
            amount=Money(total),
        ),
    )


def _years(proposal: Proposal) -> list[Problem]:
    """A problem for each budget line in a year after the programme's end, at its row's year
    (the edit form lists the lines in this order)."""
    years = programme_years(proposal.duration_months)
    span = f"{years} year" + ("s" if years > 1 else "")
    return [
        Problem(
            "budget_limits",
            f"budget-{index}-year",
            N_(
                "Budget row %(row)s is in year %(year)s, after the programme's end (its duration "
                "spans %(span)s): choose a year from 1 to %(years)s."
            ),
            {"row": index + 1, "year": line.year, "span": span, "years": years},
        )
        for index, line in enumerate(proposal.budget_lines)
        if (line.year or 1) > years
    ]


def _duration(proposal: Proposal) -> list[Problem]:
    call, months = proposal.call, proposal.duration_months
    if months is None:
        return [Problem("duration", "duration_months", N_("Give the duration in months."))]
    if not call.min_duration_months <= months <= call.max_duration_months:
        return [
            Problem(
                "duration",
                "duration_months",
                N_("The duration must be between %(min)s and %(max)s months for this call."),
                {"min": call.min_duration_months, "max": call.max_duration_months},
            )
        ]
    return []


def _markers(proposal: Proposal, rules: Rules) -> list[Problem]:
    problems = []
    if proposal.gender_marker is None:
        problems.append(Problem("markers", "gender_marker", N_("Give the gender marker.")))
    elif proposal.gender_marker < rules.gender_minimum:
        problems.append(
            Problem(
                "markers",
                "gender_marker",
                N_(
                    "The gender marker must be at least %(minimum)s: gender integration is "
                    "required of every programme."
                ),
                {"minimum": rules.gender_minimum},
            )
        )
    if proposal.human_rights_marker is None:
        problems.append(
            Problem("markers", "human_rights_marker", N_("Give the human rights marker."))
        )
    return problems


def _principles(proposal: Proposal) -> list[Problem]:
    if not proposal.principles:
        return [
            Problem("principles", "principles", N_("Say which guiding principles you address."))
        ]
    return [
        Problem(
            "principles",
            "principles",
            N_("Explain how the programme addresses “%(principle)s”."),
            {"principle": p.principle.title},
        )
        for p in proposal.principles
        if not (p.explanation or "").strip()
    ]


def _results(proposal: Proposal) -> list[Problem]:
    """The results framework, when one is entered: each outcome with its title, fund outcome and
    objectives; each indicator with its definition and unit, a baseline's value with its year
    and source, an MGI source with its MGI indicator and assessment. (Whether a framework is
    needed at all is screening's criterion, not a condition of submission.)"""
    problems = []

    def problem(message: str, **values: Any) -> None:
        problems.append(Problem("required", "results", message, values))

    years = calendar_years(proposal)
    for n, outcome in enumerate(proposal.outcomes, start=1):
        if not (outcome.title or "").strip():
            problem(N_("Give outcome %(number)s of the results framework a title."), number=n)
        if outcome.fund_outcome_id is None:
            problem(N_("Choose the fund's outcome that outcome %(number)s serves."), number=n)
        if not outcome.objectives:
            problem(N_("Tick at least one GCM objective of outcome %(number)s."), number=n)
        for m, indicator in enumerate(outcome.indicators, start=1):
            name = f"{n}.{m}"
            if not (indicator.definition or "").strip():
                problem(N_("Give the definition of indicator %(indicator)s."), indicator=name)
            if not (indicator.unit or "").strip():
                problem(N_("Give the unit of indicator %(indicator)s."), indicator=name)
            for target in indicator.targets if years else []:
                if target.year not in years:
                    problem(
                        N_(
                            "Indicator %(indicator)s has a target for %(year)s, outside the "
                            "programme's years (%(first)s to %(last)s): clear it or give it to "
                            "one of them."
                        ),
                        indicator=name,
                        year=target.year,
                        first=years[0],
                        last=years[-1],
                    )
            if indicator.baseline_value is not None and (
                indicator.baseline_year is None or indicator.baseline_source is None
            ):
                problem(
                    N_("Give the year and the source of the baseline of indicator %(indicator)s."),
                    indicator=name,
                )
            if indicator.baseline_source == BaselineSource.MGI and (
                indicator.mgi_indicator_id is None or indicator.mgi_assessment_id is None
            ):
                problem(
                    N_(
                        "Choose the MGI indicator and the assessment of the baseline of "
                        "indicator %(indicator)s."
                    ),
                    indicator=name,
                )
    return problems


def submission_problems(proposal: Proposal, rules: Rules) -> list[Problem]:
    """Every reason the proposal (or concept note) cannot be submitted yet, in the order of
    its form."""
    if proposal.is_concept_note:
        return concept_note_problems(proposal, rules)
    return [
        *_required(proposal),
        *planned_start_problems(proposal, rules),
        *_joint_programme(proposal),
        *_endorsement(proposal),
        *_objectives(proposal),
        *_duration(proposal),
        *_markers(proposal, rules),
        *_principles(proposal),
        *_budget(proposal, rules),
        *_results(proposal),
    ]


# The automatic screening criteria of each kind (the `automatic` column of the seed CSV).
PROPOSAL_CRITERIA = (
    "joint_programme",
    "endorsement",
    "objectives",
    "budget_limits",
    "markers",
    "duration",
    "principles",
)
CONCEPT_NOTE_CRITERIA = (
    "cn_joint_programme",
    "cn_partners",
    "cn_endorsement",
    "cn_objectives",
    "cn_indicative_total",
    "cn_markers",
    "cn_duration",
    "cn_principles",
)


def criterion_results(proposal: Proposal, rules: Rules) -> dict[str, list[Sentence]]:
    """Problems grouped by screening criterion (an empty list means the criterion passes), each
    a `Sentence`: English as a string, in the reader's language where it is shown."""
    if proposal.is_concept_note:
        codes = CONCEPT_NOTE_CRITERIA
        problems = [*concept_note_problems(proposal, rules), *partner_problems(proposal)]
    else:
        codes, problems = PROPOSAL_CRITERIA, submission_problems(proposal, rules)
    grouped: dict[str, list[Sentence]] = {code: [] for code in codes}
    for problem in problems:
        grouped.setdefault(problem.criterion, []).append(problem.sentence)
    return grouped


# Concept notes ------------------------------------------------------------------------------


def _as_concept_note(problems: list[Problem]) -> list[Problem]:
    """The proposal's problems under the concept note's criteria (prefixed `cn_`)."""
    return [
        Problem(
            p.criterion if p.criterion == "required" else f"cn_{p.criterion}",
            p.field,
            p.text,
            p.values,
        )
        for p in problems
    ]


def _indicative_totals(note: Proposal) -> list[Problem]:
    criterion, field = "cn_indicative_total", "indicative"
    problems = _each_participant(
        note,
        {t.organization_id for t in note.indicative_totals},
        criterion,
        field,
        N_("Give the indicative total of %(name)s."),
    )
    participants = {o.id for o in note.participants}
    problems += [
        _outsider(criterion, field, "An indicative total", total.organization)
        for total in note.indicative_totals
        if total.organization_id not in participants
    ]
    if note.indicative_totals:
        total = note.indicative_total
        problems += _within_call(
            note,
            total,
            criterion,
            field,
            Sentence(N_("The indicative total (%(amount)s)"), amount=Money(total)),
        )
    return problems


def concept_note_problems(note: Proposal, rules: Rules) -> list[Problem]:
    """Every reason the concept note cannot be submitted yet, in the order of its form. The
    endorsement letters count only where the call wants them with the concept note."""
    required = _texts(
        note,
        (
            ("title", "a title", note.title),
            ("rationale", "a summary of the problem", note.rationale),
            ("summary", "a summary of the change sought", note.summary),
        ),
    )
    endorsement = (
        _endorsement(note) if note.call.endorsement_stage == Stage.CONCEPT_NOTE.value else []
    )
    return [
        *required,
        *_scope(note),
        *_as_concept_note(_joint_programme(note)),
        *_as_concept_note(endorsement),
        *_as_concept_note(_objectives(note)),
        *_as_concept_note(_duration(note)),
        *_as_concept_note(_markers(note, rules)),
        *_as_concept_note(_principles(note)),
        *_indicative_totals(note),
    ]


GOVERNMENT_TYPES = frozenset({PartnerType.LINE_MINISTRY, PartnerType.LOCAL_GOVERNMENT})
SOCIETY_TYPES = frozenset({PartnerType.CIVIL_SOCIETY, PartnerType.MIGRANT_OR_DIASPORA_ORGANIZATION})


def partner_problems(note: Proposal) -> list[Problem]:
    """The screening's finding on the national partners (not a condition of submission): more
    than one government entity or a local government, and at least one civil-society or migrant
    organization."""
    types = [p.partner_type for p in note.national_partners]
    government = [t for t in types if t in GOVERNMENT_TYPES]
    problems = []
    if len(government) < 2 and PartnerType.LOCAL_GOVERNMENT not in government:
        problems.append(
            Problem(
                "cn_partners",
                "partners",
                N_(
                    "The national partners include neither more than one government entity (line "
                    "ministries, local governments) nor a local government."
                ),
            )
        )
    if not any(t in SOCIETY_TYPES for t in types):
        problems.append(
            Problem(
                "cn_partners",
                "partners",
                N_(
                    "The national partners include no civil-society or migrant or diaspora "
                    "organization."
                ),
            )
        )
    return problems


# The submission window ----------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Where `today` stands in the days a proposal may be submitted: `refusal`, why it cannot
    be now (None: it can); `passed`, the last day is behind (else it is not open yet)."""

    refusal: Sentence | None = None
    passed: bool = False


def submission_state(proposal: Proposal, today: date) -> Window:
    """Whether the proposal may be submitted on `today` for its dates: its call takes
    submissions between the days it opens and closes; a full proposal made from an invited
    concept note is taken until the invitation's deadline instead (the call may have closed
    since); a proposal returned for revision goes in again whatever the dates (it was first
    submitted within them, and screening and the committee return it after the call closed).
    The `call_open` guard refuses by it (`submission_window`), the pages say it before the
    button."""
    if proposal.status == RETURNED_STATE:
        return Window()
    call = proposal.call
    note = getattr(proposal, "concept_note", None)
    if note is not None and note.invited_until is not None:
        if today > note.invited_until:
            return Window(
                Sentence(
                    N_("The invitation to submit this full programme closed on %(day)s."),
                    day=OnDay(note.invited_until, DAY),
                ),
                passed=True,
            )
        return Window()
    if today < call.opens_on:
        return Window(
            Sentence(
                N_("The call “%(call)s” opens on %(day)s."),
                call=call.title,
                day=OnDay(call.opens_on, DAY),
            )
        )
    if today > call.closes_on:
        return Window(
            Sentence(
                N_("The call “%(call)s” closed on %(day)s."),
                call=call.title,
                day=OnDay(call.closes_on, DAY),
            ),
            passed=True,
        )
    return Window()


def submission_window(proposal: Proposal, today: date) -> list[Sentence]:
    """Why the proposal cannot be submitted on `today` for its dates (`submission_state`), as
    the guard's problems: none when it can."""
    refusal = submission_state(proposal, today).refusal
    return [refusal] if refusal is not None else []
