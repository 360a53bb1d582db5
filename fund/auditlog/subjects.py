"""The subjects of a page of audit events by name: a user's name and email, a proposal's
reference and title, an organization's name, read for the whole page in one query.

The trail records a subject as its kind and id ("user", "8"); a page reads "Amina Diallo
(amina@example.org)" or "P-00001 Migrant workers' rights" instead, with a link to the record's
page where the reader may open it. A subject that no longer exists, or of another kind, keeps
its words ("Call 3")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlalchemy import String, cast, literal, select, union_all

from fund.accounts.models import Organization, Role, User
from fund.extensions import db

# The kinds named from their own table, each read by its id.
NAMED_KINDS = ("user", "proposal", "organization")


@dataclass(frozen=True)
class Subject:
    """A subject as a page names it: `name` (a person's, an organization's, a proposal's
    title; the page puts a proposal's reference before it), `extra` beside it (an email, an
    acronym) and `url`, the page that shows it, when the reader may open it."""

    name: str
    extra: str | None = None
    url: str | None = None


def _ids(rows: Iterable[Any], kind: str) -> list[int]:
    return sorted(
        {
            int(row.subject_id)
            for row in rows
            if row.subject_type == kind and (row.subject_id or "").isdigit()
        }
    )


def _url(kind: str, subject_id: int, reader: Any) -> str | None:
    if reader is None:
        return None
    if kind == "proposal" and reader.has_role(Role.SECRETARIAT):
        return url_for("proposals.detail", proposal_id=subject_id)
    if kind == "user" and reader.has_role(Role.ADMIN):
        return url_for("admin.edit_user", user_id=subject_id)
    if kind == "organization" and reader.has_role(Role.ADMIN):
        return url_for("admin.edit_organization", organization_id=subject_id)
    return None


def named_subjects(rows: Iterable[Any], reader: Any = None) -> dict[tuple[str, str], Subject]:
    """The named subjects of `rows` (events), keyed by (subject_type, subject_id): one query
    whatever the number of events and kinds, none when `rows` is empty."""
    rows = list(rows)
    if not rows:
        return {}
    # The proposals' table by name: the proposals' package reads the trail, not the reverse.
    proposals = db.metadata.tables["proposals"]
    parts = [
        select(
            literal("user").label("kind"),
            User.id.label("id"),
            User.name.label("name"),
            cast(User.email, String).label("extra"),
        ).where(User.id.in_(_ids(rows, "user"))),
        select(
            literal("proposal"), proposals.c.id, cast(proposals.c.title, String), literal(None)
        ).where(proposals.c.id.in_(_ids(rows, "proposal"))),
        select(
            literal("organization"),
            Organization.id,
            cast(Organization.name, String),
            cast(Organization.acronym, String),
        ).where(Organization.id.in_(_ids(rows, "organization"))),
    ]
    named: dict[tuple[str, str], Subject] = {}
    for kind, subject_id, name, extra in db.session.execute(union_all(*parts)):
        named[(kind, str(subject_id))] = Subject(name, extra, _url(kind, subject_id, reader))
    return named


def subject_of(named: dict[tuple[str, str], Subject], row: Any) -> Subject | None:
    """The named subject of one event (`named` from `named_subjects`), or None."""
    subject_id = row.subject_id or ""
    if not subject_id.isdigit():
        return None
    return named.get((row.subject_type, str(int(subject_id))))
