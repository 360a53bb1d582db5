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
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from fund.money import ZERO, format_usd
from fund.reports.iati import (
    CURRENCY,
    SDG_MIGRATION_TARGET,
    SDG_MIGRATION_TARGET_TEXT,
    Exclusions,
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


def _unique_items(validator, unique, instance, schema):
    """`uniqueItems`, with a linear shortcut for lists of records with distinct string ids.

    jsonschema compares every pair of items when they cannot be sorted (objects cannot), which
    for thousands of grants takes minutes. Objects whose "id" strings all differ are
    necessarily all different, so they are unique; any other list gets the standard check."""
    if unique and validator.is_type(instance, "array") and _distinct_ids(instance):
        return
    yield from _STANDARD_UNIQUE_ITEMS(validator, unique, instance, schema)


def _distinct_ids(items: list[Any]) -> bool:
    ids = [item.get("id") if isinstance(item, dict) else None for item in items]
    return all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids)


def _enum(validator, enums, instance, schema):
    """`enum`, with a set lookup for a string among string members.

    jsonschema compares the instance with each member in turn (a country code with some 250
    codes, for every location of every grant). A string equals a member only if that member is
    the same string, so membership in the set of the string members decides; a string not
    found gets the standard check (and its message)."""
    if isinstance(instance, str) and isinstance(enums, list):
        known = _STRING_MEMBERS.get(id(enums))
        if known is None or known[0] is not enums:
            known = (enums, frozenset(e for e in enums if isinstance(e, str)))
            _STRING_MEMBERS[id(enums)] = known
        if instance in known[1]:
            return
    yield from _STANDARD_ENUM(validator, enums, instance, schema)


_STRING_MEMBERS: dict[int, tuple[list[Any], frozenset[str]]] = {}
_STANDARD_UNIQUE_ITEMS = Draft202012Validator.VALIDATORS["uniqueItems"]
_STANDARD_ENUM = Draft202012Validator.VALIDATORS["enum"]
# The official schemas' keywords, two of them checked faster with the same outcome.
PackageValidator = validators.extend(
    Draft202012Validator, {"uniqueItems": _unique_items, "enum": _enum}
)


@functools.cache
def _package_validator(folder: Path) -> Validator:
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
    return PackageValidator(
        package, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def package_validator(config: Mapping[str, Any]) -> Validator:
    return _package_validator(schema_dir(config) / "360giving-1.4")


class _Raw(str):
    """JSON text already written, put as it is into a larger text by `dumps`."""


def dumps(value: Any, indent: int = 2) -> str:
    """JSON text in which Decimals are written as numbers with their exact digits.

    The standard encoder turns numbers into floats; amounts must not go through one.
    """
    return _encode(value, 0, indent) + "\n"


def _encode(item: Any, level: int, indent: int = 2) -> str:
    """`item` as JSON text, its inner lines indented as at nesting `level`."""
    if isinstance(item, str):
        return item if isinstance(item, _Raw) else _string(item)
    if isinstance(item, Decimal):
        if not item.is_finite():
            raise ValueError(f"{item} is not a JSON number")
        return format(item, "f")
    if item is None:
        return "null"
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return int.__repr__(item)
    if isinstance(item, Mapping):
        members = [f"{_string(str(k))}: {_encode(v, level + 1, indent)}" for k, v in item.items()]
        return _block("{", members, "}", level, indent)
    if isinstance(item, list | tuple):
        return _block("[", [_encode(v, level + 1, indent) for v in item], "]", level, indent)
    raise TypeError(f"{type(item).__name__} is not written to open data (floats never are)")


def _block(opening: str, members: list[str], closing: str, level: int, indent: int) -> str:
    if not members:
        return opening + closing
    inner = "\n" + " " * indent * (level + 1)
    return opening + inner + ("," + inner).join(members) + "\n" + " " * indent * level + closing


# A string as json.dumps(..., ensure_ascii=False) writes it.
_string = json.encoder.encode_basestring


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
    closed = closure_dates(programme)
    if closed:
        record["actualDates"] = [closed]
    if programme.countries:
        record["beneficiaryLocation"] = [
            {"name": c.name, "countryCode": c.iso2} for c in programme.countries
        ]
    return record


def closure_dates(programme: FundedProgramme) -> dict[str, Any] | None:
    """A closed programme's actual dates: from its first transfer (else its award) to its
    closure, with what closure gave back and the refunds, in words, as the balance and the
    allocation report count them; None while it is open."""
    closure, allocation = programme.refunds, programme.allocation
    if closure is None or closure.closed_on is None or allocation is None:
        return None
    paid = sorted(d.paid_on for d in allocation.disbursements)
    refunded = sum((amount for _, amount, _, _ in closure.refunds), ZERO)
    return {
        "title": "Programme closed",
        "startDate": (paid[0] if paid else allocation.allocated_on).isoformat(),
        "endDate": closure.closed_on.isoformat(),
        "description": (
            f"Closed on {closure.closed_on.isoformat()}. Released to the fund at closure, never "
            f"transferred: {format_usd(closure.released)}. Refunded by the participating "
            f"organizations: {format_usd(refunded)}. Refunds still due: "
            f"{format_usd(closure.outstanding)}."
        ),
    }


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


# Grants in a package: the package's fields at nesting 0, the list of grants at 1, each grant at 2.
GRANT_LEVEL = 2


def _package_text(grants: list[_Raw], publisher: Publisher, generated_at: datetime) -> str:
    """The package's JSON text around grants already written at GRANT_LEVEL."""
    return dumps(_package(grants, publisher, generated_at))  # type: ignore[arg-type]


def _text_error(validator: Validator, text: str) -> str | None:
    error = best_match(validator.iter_errors(json.loads(text, parse_float=Decimal)))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message


# What the package schema may say of its list of grants for the list to be valid exactly when it
# is not empty, each grant is valid on its own and no two grants are the same.
_LIST_KEYWORDS = {"title", "description", "type", "minItems", "items", "uniqueItems"}
_PACKAGE_KEYWORDS = {
    "$schema",
    "$id",
    "id",
    "title",
    "description",
    "type",
    "required",
    "properties",
    "additionalProperties",
    "$defs",
    "definitions",
}


def _list_checked_by_parts(package_schema: Mapping[str, Any]) -> bool:
    """Whether a package is valid exactly when its own fields are (checked with one grant),
    each grant is valid in a package of its own, and the grants are distinct: true of the
    official 360Giving 1.4 package schema. When a schema says more, the whole package is
    validated as well."""
    grants = (package_schema.get("properties") or {}).get("grants")
    return (
        isinstance(grants, Mapping)
        and set(package_schema) <= _PACKAGE_KEYWORDS
        and set(grants) <= _LIST_KEYWORDS
        and grants.get("type") == "array"
        and grants.get("minItems", 0) <= 1
    )


# Digests of the text of grants found valid, by schema folder: the check of a grant depends on
# nothing but its text and the schema, so a grant that did not change since a previous build
# is not checked again. Bounded: emptied when it grows past MAX_CHECKED.
_CHECKED: dict[Path, set[bytes]] = {}
MAX_CHECKED = 200_000


def build_360giving(
    programmes: Iterable[FundedProgramme],
    publisher: Publisher,
    generated_at: datetime,
    config: Mapping[str, Any],
) -> Export:
    """The 360Giving package of the publishable programmes; the others with their reasons.

    Everything is validated against the official schema as published (the text read back):
    each grant in a package of its own (a grant already found valid with the same text is not
    checked again: `_CHECKED`), left out with the reason if it fails; then the package itself:
    its own fields (with one grant), and that its grants are distinct (distinct identifiers),
    which with the above is all the schema asks of the list (`_list_checked_by_parts`;
    otherwise the whole package is validated too). A package failing after that is an error."""
    validator = package_validator(config)
    checked = _CHECKED.setdefault(schema_dir(config), set())
    if len(checked) > MAX_CHECKED:
        checked.clear()
    export = Export(content=b"", generated_at=generated_at)
    excluded = Exclusions()
    kept: list[tuple[FundedProgramme, str, _Raw]] = []
    for index, programme in excluded.publishable(programmes):
        record = grant(publisher, programme)
        text = _Raw(_encode(record, GRANT_LEVEL))
        digest = hashlib.sha256(text.encode("utf-8")).digest()
        if digest not in checked:
            error = _text_error(validator, _package_text([text], publisher, generated_at))
            if error is not None:
                problem = f"its grant fails the 360Giving {GIVING360_VERSION} schema: {error}"
                excluded.add(index, programme, [problem])
                continue
            checked.add(digest)
        kept.append((programme, record["id"], text))
    export.excluded = excluded.in_order()
    if not kept:
        return export
    texts = [text for *_, text in kept]
    content = _package_text(texts, publisher, generated_at)
    error = _text_error(validator, _package_text(texts[:1], publisher, generated_at))
    distinct = len({grant_id for _, grant_id, _ in kept}) == len(kept)
    if error is None and not (distinct and _list_checked_by_parts(validator.schema)):
        error = _text_error(validator, content)
    if error is not None:  # each grant passed alone: the whole must too
        raise ExportBroken(f"360Giving export fails its schema: {error}")
    export.published = [programme.ref for programme, *_ in kept]
    export.content = content.encode("utf-8")
    return export
