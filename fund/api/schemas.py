"""The JSON Schemas (2020-12, as OpenAPI 3.1 reads them) of the API's answers, by name.

Money is a string of a decimal number with two places ("1250.00"), never a float; times are
ISO 8601 in UTC; dates YYYY-MM-DD.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fund.portfolio.queries import PublicStatus

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
MONEY: Schema = {"type": "string", "pattern": "^-?[0-9]+[.][0-9]{2}$"}
SHARE: Schema = {"type": "string", "pattern": "^-?[0-9]+([.][0-9]+)?$"}
DATE: Schema = {"type": "string", "format": "date"}
TIME: Schema = {"type": "string", "format": "date-time"}


def money(amount: Decimal) -> str:
    """An amount as the API writes it (MONEY): "1250.00"."""
    return f"{amount:.2f}"


def maybe_money(amount: Decimal | None) -> str | None:
    return None if amount is None else money(amount)


def maybe(schema: Schema) -> Schema:
    """`schema` or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def listing(item: Schema) -> Schema:
    return {"type": "array", "items": item}


def record(**properties: Schema) -> Schema:
    """An object with exactly these properties, every one present."""
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": False,
    }


def page(item: Schema) -> Schema:
    """A page of a list: its rows and the cursor of the next page (null on the last)."""
    return record(items=listing(item), next=maybe(STRING))


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


PROBLEM_SCHEMA = record(type=STRING, title=STRING, status=INTEGER, detail=STRING)

OBJECTIVE = record(number=INTEGER, title=STRING, areas=listing(STRING))
COVERAGE_OBJECTIVE = record(
    number=INTEGER,
    title=STRING,
    funded=MONEY,
    programmes=INTEGER,
    share=SHARE,
    target=maybe(SHARE),
    flag=maybe(STRING),
)
PIPELINE_ENTRY = record(
    rank=INTEGER,
    reference=STRING,
    kind=STRING,
    title=STRING,
    summary=STRING,
    applicant=STRING,
    amount=MONEY,
    duration_months=maybe(INTEGER),
    objectives=listing(INTEGER),
    countries=listing(STRING),
    organizations=listing(STRING),
    decided_at=maybe(TIME),
)
ORGANIZATION_STATUS = record(
    name=STRING,
    acronym=STRING,
    transfers=MONEY,
    refunds=MONEY,
    expenditure=MONEY,
    participating_balance=MONEY,
)
FUNDING_STATUS = record(
    deposits=MONEY,
    administrative_agent_fee=MONEY,
    interest=MONEY,
    transfers=MONEY,
    refunds=MONEY,
    direct_costs=MONEY,
    balance_with_administrative_agent=MONEY,
    expenditure=MONEY,
    participating_balance=MONEY,
    organizations=listing(ORGANIZATION_STATUS),
)
PROPOSAL_SUMMARY = record(
    id=INTEGER,
    reference=STRING,
    kind=STRING,
    title=STRING,
    status=STRING,
    organization=STRING,
    call_id=INTEGER,
    submitted_at=maybe(TIME),
    updated_at=TIME,
)
PROPOSAL = record(
    id=INTEGER,
    reference=STRING,
    kind=STRING,
    title=STRING,
    summary=STRING,
    status=STRING,
    organization=STRING,
    lead_organization=maybe(STRING),
    call_id=INTEGER,
    content_language=STRING,
    planned_start=maybe(DATE),
    duration_months=maybe(INTEGER),
    primary_objective=maybe(INTEGER),
    secondary_objectives=listing(INTEGER),
    countries=listing(STRING),
    participants=listing(STRING),
    submitted_at=maybe(TIME),
    updated_at=TIME,
    approved_total=maybe(MONEY),
)
SCREENING_ITEM = record(
    code=STRING,
    criterion=STRING,
    automatic=BOOLEAN,
    recorded=BOOLEAN,
    result=maybe(STRING),
    note=STRING,
)
VOTE = record(member=STRING, choice=STRING, comment=STRING, conditions=STRING)
TALLY = record(
    rule=STRING,
    approve=INTEGER,
    reject=INTEGER,
    abstain=INTEGER,
    entitled=INTEGER,
    quorum_needed=INTEGER,
    quorum_met=BOOLEAN,
    outcome=maybe(STRING),
)
ROUND = record(
    id=INTEGER,
    proposal_id=INTEGER,
    number=INTEGER,
    status=STRING,
    opened_at=TIME,
    deadline=maybe(TIME),
    closed_at=maybe(TIME),
    outcome=maybe(STRING),
    recused=BOOLEAN,
    recusal_reason=STRING,
    sees_votes=BOOLEAN,
    tally=maybe(TALLY),
    votes=listing(VOTE),
)
DECISION_RECORD = record(
    round=ROUND,
    proposal=record(id=INTEGER, reference=STRING, title=STRING),
    full=BOOLEAN,
    summary=STRING,
    conditions=listing(STRING),
)
POOL = record(code=STRING, received_net=MONEY, allocated=MONEY, available=MONEY)
AUDIT_EVENT = record(
    id=INTEGER,
    occurred_at=TIME,
    actor=STRING,
    action=STRING,
    subject_type=STRING,
    subject_id=STRING,
    from_state=maybe(STRING),
    to_state=maybe(STRING),
    comment=maybe(STRING),
    details=maybe({"type": "object"}),
)

NUMBER = SHARE  # a decimal number as text (a baseline, a target, an actual)

PROGRAMME = record(
    id=INTEGER,
    reference=STRING,
    title=STRING,
    status={"type": "string", "enum": [status.value for status in PublicStatus]},
    is_concept_note={"type": "boolean"},
    scope=maybe(STRING),
    lead=maybe(STRING),
    countries=listing(STRING),
    primary_objective=maybe(INTEGER),
    objectives=listing(INTEGER),
    thematic_areas=listing(STRING),
    amount=MONEY,
    funded=MONEY,
    planned_start=maybe(DATE),
    duration_months=maybe(INTEGER),
)
PROGRAMME_DETAIL = record(
    programme=PROGRAMME,
    summary=STRING,
    call=STRING,
    participants=listing(STRING),
    national_partners=listing(record(name=STRING, type=STRING)),
    budget_by_organization=listing(
        record(organization=STRING, direct=MONEY, indirect=MONEY, total=MONEY)
    ),
    budget_by_objective=listing(record(objective=INTEGER, amount=MONEY)),
    budget_total=MONEY,
    allocated_on=maybe(DATE),
    shares=listing(record(organization=STRING, amount=MONEY, disbursed=MONEY)),
    transfers=listing(record(organization=STRING, paid_on=DATE, amount=MONEY)),
    results=listing(
        record(
            title=STRING,
            indicators=listing(
                record(
                    definition=STRING,
                    unit=STRING,
                    baseline=maybe(NUMBER),
                    end_target=maybe(NUMBER),
                    latest_year=maybe(INTEGER),
                    latest_actual=maybe(NUMBER),
                )
            ),
        )
    ),
    iati_identifier=maybe(STRING),
)


SCHEMAS: dict[str, Schema] = {
    "ObjectiveList": record(items=listing(OBJECTIVE)),
    "Coverage": record(
        funded=MONEY,
        programmes=INTEGER,
        objectives=listing(COVERAGE_OBJECTIVE),
    ),
    "Pipeline": record(entries=listing(PIPELINE_ENTRY)),
    "Contributions": record(
        donors=listing(record(name=STRING, deposits=MONEY, contributions=INTEGER)),
        deposits_by_year=listing(record(year=INTEGER, deposits=MONEY, contributions=INTEGER)),
        earmarks=listing(record(pool=STRING, thematic_area=maybe(STRING), deposits=MONEY)),
        status=listing(record(figure=STRING, amount=MONEY)),
    ),
    "ProposalPage": page(PROPOSAL_SUMMARY),
    "Proposal": PROPOSAL,
    "Screening": record(
        proposal_id=INTEGER,
        submission=INTEGER,
        passing=BOOLEAN,
        items=listing(SCREENING_ITEM),
    ),
    "RoundList": record(proposal_id=INTEGER, rounds=listing(ROUND)),
    "DecisionRecord": DECISION_RECORD,
    "Finance": record(
        pools=listing(POOL),
        status=FUNDING_STATUS,
    ),
    "AuditEventPage": page(AUDIT_EVENT),
    "ProgrammePage": page(PROGRAMME),
    "Programme": PROGRAMME_DETAIL,
}
