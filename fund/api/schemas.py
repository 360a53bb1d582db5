"""The JSON Schemas (2020-12, as OpenAPI 3.1 reads them) of the API's answers, by name.

Money is a string of a decimal number with two places ("1250.00"), never a float; times are
ISO 8601 in UTC; dates YYYY-MM-DD.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fund.money import amount_text
from fund.portfolio.queries import PublicStatus

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
MONEY: Schema = {"type": "string", "pattern": "^-?[0-9]+[.][0-9]{2}$"}
SHARE: Schema = {"type": "string", "pattern": "^-?[0-9]+([.][0-9]+)?$"}
DATE: Schema = {"type": "string", "format": "date"}
TIME: Schema = {"type": "string", "format": "date-time"}


def maybe_amount(amount: Decimal | None) -> str | None:
    """An amount the API may not know, as it writes amounts (MONEY: `fund.money.amount_text`,
    "1250.00"), or None."""
    return None if amount is None else amount_text(amount)


def maybe(schema: Schema) -> Schema:
    """`schema` or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def described(schema: Schema, description: str) -> Schema:
    """`schema` with what the value means, for the document's readers."""
    return {**schema, "description": description}


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


def fields(schema: Schema, names: str) -> dict[str, Schema]:
    """Properties of the one schema, by their names separated by spaces."""
    return dict.fromkeys(names.split(), schema)


def page(item: Schema) -> Schema:
    """A page of a list: its rows and the cursor of the next page (null on the last)."""
    return record(items=listing(item), next=maybe(STRING))


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


PROBLEM_SCHEMA = record(type=STRING, title=STRING, status=INTEGER, detail=STRING)

OBJECTIVE = record(number=INTEGER, title=STRING, areas=listing(STRING))
COVERAGE_OBJECTIVE = record(
    **fields(INTEGER, "number programmes"),
    title=STRING,
    funded=MONEY,
    share=SHARE,
    target=maybe(SHARE),
    flag=maybe(STRING),
)
PIPELINE_ENTRY = record(
    rank=INTEGER,
    **fields(STRING, "reference kind title summary applicant"),
    amount=MONEY,
    duration_months=maybe(INTEGER),
    objectives=listing(INTEGER),
    **fields(listing(STRING), "countries organizations"),
    decided_at=maybe(TIME),
)
# The figures of the funding status that each participating organization has a line of.
PARTICIPATING_FIGURES = fields(MONEY, "transfers refunds expenditure participating_balance")
ORGANIZATION_STATUS = record(**fields(STRING, "name acronym"), **PARTICIPATING_FIGURES)
FUNDING_STATUS = record(
    **fields(
        MONEY,
        "deposits administrative_agent_fee interest direct_costs balance_with_administrative_agent",
    ),
    **PARTICIPATING_FIGURES,
    organizations=listing(ORGANIZATION_STATUS),
)
# What a proposal in the list shows; one proposal's answer shows these and more.
PROPOSAL_SUMMARY_FIELDS: dict[str, Schema] = {
    **fields(INTEGER, "id call_id"),
    **fields(STRING, "reference kind title status organization"),
    "submitted_at": maybe(TIME),
    "updated_at": TIME,
}
PROPOSAL_SUMMARY = record(**PROPOSAL_SUMMARY_FIELDS)
PROPOSAL = record(
    **PROPOSAL_SUMMARY_FIELDS,
    **fields(STRING, "summary content_language"),
    lead_organization=maybe(STRING),
    planned_start=maybe(DATE),
    **fields(maybe(INTEGER), "duration_months primary_objective"),
    secondary_objectives=listing(INTEGER),
    **fields(listing(STRING), "countries participants"),
    approved_total=maybe(MONEY),
)
SCREENING_ITEM = record(
    **fields(STRING, "code criterion note"),
    **fields(BOOLEAN, "automatic recorded"),
    result=maybe(STRING),
)
VOTE = record(**fields(STRING, "member choice comment conditions"))
TALLY = record(
    rule=STRING,
    **fields(INTEGER, "approve reject abstain entitled quorum_needed"),
    quorum_met=BOOLEAN,
    outcome=maybe(STRING),
)
ROUND = record(
    **fields(INTEGER, "id proposal_id number"),
    **fields(STRING, "status recusal_reason"),
    opened_at=TIME,
    **fields(maybe(TIME), "deadline closed_at"),
    outcome=maybe(STRING),
    **fields(BOOLEAN, "recused sees_votes"),
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
POOL = record(
    code=STRING, **fields(MONEY, "received_net interest_less_direct_costs allocated available")
)
AUDIT_EVENT = record(
    id=INTEGER,
    occurred_at=TIME,
    **fields(STRING, "actor action subject_type subject_id"),
    **fields(maybe(STRING), "from_state to_state comment"),
    details=maybe({"type": "object"}),
)

NUMBER = SHARE  # a decimal number as text (a baseline, a target, an actual)

PROGRAMME = record(
    id=INTEGER,
    **fields(STRING, "reference title"),
    status={"type": "string", "enum": [status.value for status in PublicStatus]},
    is_concept_note={"type": "boolean"},
    **fields(maybe(STRING), "scope lead"),
    **fields(listing(STRING), "countries thematic_areas"),
    primary_objective=maybe(INTEGER),
    objectives=listing(INTEGER),
    **fields(MONEY, "amount funded"),
    kept=maybe(MONEY),
    planned_start=maybe(DATE),
    duration_months=maybe(INTEGER),
)
CLOSURE = described(
    maybe(
        record(
            closed_on=described(DATE, "The day the programme was closed."),
            released=described(
                MONEY,
                "What closure gave back to the fund of the allocation never transferred.",
            ),
            refunded=described(
                MONEY,
                "The refunds received from the participating organizations of what was "
                "transferred to them and not spent.",
            ),
            still_due=described(MONEY, "The refunds still due, not yet received."),
        )
    ),
    "A closed programme's closure; null for a programme not closed. What the programme kept "
    "(`programme.kept`) is what was transferred less the refunds received.",
)
PROGRAMME_DETAIL = record(
    programme=PROGRAMME,
    **fields(STRING, "summary call"),
    participants=listing(STRING),
    national_partners=listing(record(name=STRING, type=STRING)),
    budget_by_organization=listing(
        record(organization=STRING, **fields(MONEY, "direct indirect total"))
    ),
    budget_by_objective=listing(record(objective=INTEGER, amount=MONEY)),
    budget_total=MONEY,
    allocated_on=maybe(DATE),
    shares=listing(record(organization=STRING, **fields(MONEY, "amount disbursed"))),
    transfers=listing(record(organization=STRING, paid_on=DATE, amount=MONEY)),
    closure=CLOSURE,
    results=listing(
        record(
            title=STRING,
            indicators=listing(
                record(
                    **fields(STRING, "definition unit"),
                    **fields(maybe(NUMBER), "baseline end_target latest_actual"),
                    latest_year=maybe(INTEGER),
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
