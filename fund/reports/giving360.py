"""360Giving Data Standard 1.4 JSON package of the funded programmes (the same grants as IATI).

Identifiers:
- a grant is `360G-MIG00-P00042`: 360Giving grant identifiers start with the publisher's
  360G prefix; the fund has no registered one yet, so the default is `360G-` and the fund code
  (configurable as GIVING360_PREFIX once 360Giving assigns one);
- the funder is the Administrative Agent (XM-DAC-41114), the fund being its department;
- a recipient is a participating UN organization: its IATI identifier when known, otherwise a
  local identifier `360G-MIG00-ORG-<organization id>` (the prefix plus the fund's own stable
  record number), as the 360Giving guidance allows for organizations without one.

Amounts are written from the exact decimals (never through a float) and every grant is
validated against the official schema before it is published.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from fund.reports.iati import (
    CURRENCY,
    SDG_MIGRATION_TARGET,
    SDG_MIGRATION_TARGET_TEXT,
    Exclusion,
    Export,
    ExportBroken,
    SchemaMissing,
    iati_identifier,
    schema_dir,
)
from fund.reports.queries import (
    FundedProgramme,
    OrganizationRef,
    Publisher,
    publication_problems,
)

GIVING360_VERSION = "1.4"
OBJECTIVE_VOCABULARY = "GCM objective"
SDG_TARGET_VOCABULARY = "SDG target"


@functools.cache
def _package_validator(folder: Path) -> Draft202012Validator:
    try:
        package = json.loads((folder / "360-giving-package-schema.json").read_text("utf-8"))
        grant = json.loads((folder / "360-giving-schema.json").read_text("utf-8"))
    except FileNotFoundError as missing:
        raise SchemaMissing(
            f"360Giving schema not found ({missing.filename}); set OPEN_DATA_SCHEMA_DIR"
        ) from missing
    # The package schema refers to the grant schema by its public URL: serve it from the
    # local copy. The registry has no way to fetch anything else, so validation stays offline.
    # The schemas name their dialect with an http:// URI that `referencing` does not detect:
    # say 2020-12 explicitly. Formats must be checked: "awardDate" is one of a date-time or a
    # date, and a date passes both alternatives unless date-time is asserted
    # (rfc3339-validator provides that check).
    registry = Registry().with_resource(grant["$id"], DRAFT202012.create_resource(grant))
    return Draft202012Validator(
        package, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def package_validator(config: Mapping[str, Any]) -> Draft202012Validator:
    return _package_validator(schema_dir(config) / "360giving-1.4")


def dumps(value: Any, indent: int = 2) -> str:
    """JSON text in which Decimals are written as numbers with their exact digits.

    The standard encoder turns numbers into floats; amounts must not go through one.
    """

    def encode(item: Any, level: int) -> str:
        if isinstance(item, Decimal):
            if not item.is_finite():
                raise ValueError(f"{item} is not a JSON number")
            return format(item, "f")
        if item is None or isinstance(item, bool | int | str):
            return json.dumps(item, ensure_ascii=False)
        if isinstance(item, Mapping):
            members = [
                f"{json.dumps(str(k), ensure_ascii=False)}: {encode(v, level + 1)}"
                for k, v in item.items()
            ]
            return block("{", members, "}", level)
        if isinstance(item, list | tuple):
            return block("[", [encode(v, level + 1) for v in item], "]", level)
        raise TypeError(f"{type(item).__name__} is not written to open data (floats never are)")

    def block(opening: str, members: list[str], closing: str, level: int) -> str:
        if not members:
            return opening + closing
        inner = "\n" + " " * indent * (level + 1)
        return opening + inner + ("," + inner).join(members) + "\n" + " " * indent * level + closing

    return encode(value, 0) + "\n"


def grant_id(publisher: Publisher, programme: FundedProgramme) -> str:
    return f"{publisher.giving360_prefix}-{programme.ref}"


def organization_id(publisher: Publisher, organization: OrganizationRef) -> str:
    return organization.iati_org_id or f"{publisher.giving360_prefix}-ORG-{organization.id}"


def grant(publisher: Publisher, programme: FundedProgramme) -> dict[str, Any]:
    """One grant; the programme must have no publication problems."""
    allocation = programme.allocation
    if allocation is None or programme.planned_start is None or programme.planned_end is None:
        raise ValueError(f"{programme.ref} cannot be published: {publication_problems(programme)}")
    record: dict[str, Any] = {
        "id": grant_id(publisher, programme),
        "title": programme.title,
        "description": programme.summary,
        "currency": CURRENCY,
        "amountAwarded": allocation.amount,
        "amountDisbursed": allocation.disbursed,
        "awardDate": allocation.allocated_on.isoformat(),
        "plannedDates": [
            {
                "startDate": programme.planned_start.isoformat(),
                "endDate": programme.planned_end.isoformat(),
                "duration": programme.duration_months,
            }
        ],
        "recipientOrganization": [
            {"id": organization_id(publisher, o), "name": o.name} for o in programme.organizations
        ],
        "fundingOrganization": [
            {
                "id": publisher.org_id,
                "name": publisher.org_name,
                "department": f"{publisher.fund_name} ({publisher.fund_code})",
            }
        ],
        "grantProgramme": [
            {
                "code": f"{publisher.fund_code}-CALL-{programme.call_id}",
                "title": programme.call_title,
            }
        ],
        "classifications": [
            {
                "vocabulary": OBJECTIVE_VOCABULARY,
                "code": str(o.number),
                "title": f"GCM objective {o.number}: {o.title}",
            }
            for o in programme.objectives
        ]
        + [
            {
                "vocabulary": SDG_TARGET_VOCABULARY,
                "code": SDG_MIGRATION_TARGET,
                "title": SDG_MIGRATION_TARGET_TEXT,
            }
        ],
        "relatedActivity": [iati_identifier(publisher, programme)],
        "dateModified": programme.last_updated.isoformat(timespec="seconds"),
    }
    if programme.countries:
        record["beneficiaryLocation"] = [
            {"name": c.name, "countryCode": c.iso2} for c in programme.countries
        ]
    return record


def _package(
    grants: list[dict[str, Any]], publisher: Publisher, generated_at: datetime
) -> dict[str, Any]:
    stamp = generated_at.isoformat(timespec="seconds")
    return {
        "version": GIVING360_VERSION,
        "title": f"{publisher.fund_name} ({publisher.fund_code}): grants to joint programmes",
        "description": (
            f"Allocations of the {publisher.fund_name}, the start-up fund of the Global Compact "
            "for Safe, Orderly and Regular Migration, to funded joint programmes."
        ),
        "identifier": f"{publisher.giving360_prefix}-grants",
        "issued": stamp,
        "modified": stamp,
        "publisher": {"identifier": publisher.org_id, "name": publisher.org_name},
        "license": publisher.license_url,
        "grants": grants,
    }


def _schema_error(validator: Draft202012Validator, document: dict[str, Any]) -> str | None:
    # Validate the text as published, read back: what a consumer gets, not the Python objects.
    error = best_match(validator.iter_errors(json.loads(dumps(document), parse_float=Decimal)))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message


def build_360giving(
    programmes: Iterable[FundedProgramme],
    publisher: Publisher,
    generated_at: datetime,
    config: Mapping[str, Any],
) -> Export:
    """The 360Giving package of the publishable programmes; the others with their reasons."""
    validator = package_validator(config)
    export = Export(content=b"", generated_at=generated_at)
    grants = []
    for programme in programmes:
        problems = publication_problems(programme)
        if not problems:
            record = grant(publisher, programme)
            error = _schema_error(validator, _package([record], publisher, generated_at))
            if error is None:
                grants.append(record)
                export.published.append(programme.ref)
                continue
            problems = [f"its grant fails the 360Giving {GIVING360_VERSION} schema: {error}"]
        export.excluded.append(
            Exclusion(programme.proposal_id, programme.ref, programme.title, tuple(problems))
        )
    if grants:
        package = _package(grants, publisher, generated_at)
        error = _schema_error(validator, package)
        if error is not None:
            raise ExportBroken(f"360Giving export fails its schema: {error}")
        export.content = dumps(package).encode("utf-8")
    return export
