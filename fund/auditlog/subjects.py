"""The subjects of a page of audit events by name, read for the whole page in one query: a
user's name and email, a proposal's reference and title, an organization's name, a voting
round as its proposal's reference and the round's number, a committee meeting by its title and
day, a committee seat by its entity, a pledge or a deposit by its code and donor, interest or
a direct cost by its day, a programme report or a revision by its own name and programme, a
call by its title, an API token by its name and owner, the results reference by its codes.

The trail records a subject as its kind and id ("voting_round", "4"); a page reads "P-00006,
round 1" or "Meeting of the committee, 30 November 2026" instead, with a link to the record's
page where the reader may open it. A subject that no longer exists, or of another kind, keeps
its words ("Voting round 3")."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import String, cast, literal, select, union_all

from fund.accounts.models import Organization, Role, User
from fund.accounts.tokens import ApiToken
from fund.extensions import db


@dataclass(frozen=True)
class Subject:
    """A subject as a page names it: `name` (a person's, an organization's, a proposal's
    title; the page puts a proposal's reference before it), `extra` beside it (an email, an
    acronym, a donor) and `url`, the page that shows it, when the reader may open it.
    `says_kind`: the name says what the subject is ("UNHCR seat"), the page writes no kind
    before it. A name in the page's language ("P-00006, round 1") is Markup, its reference and
    any typed title isolated in it; any other (a person's, a title) is as typed."""

    name: str
    extra: str | None = None
    url: str | None = None
    says_kind: bool = False

    @property
    def phrase(self) -> bool:
        """The name is a phrase in the page's language, not a name as typed."""
        return isinstance(self.name, Markup)


def _ids(rows: Iterable[Any], kind: str) -> list[int]:
    return sorted(
        {
            int(row.subject_id)
            for row in rows
            if row.subject_type == kind and (row.subject_id or "").isdigit()
        }
    )


def as_text(column: Any) -> Any:
    """A column read as text, as every kind's row is read in the page's one query."""
    return cast(column, String)


def no_value() -> Any:
    """An empty place in a kind's row (a kind that names its subject with fewer values)."""
    return literal(None, String)


def kept_whole(reference: str) -> Markup:
    """A reference (P-00006) kept on one line inside a phrase, as the pages keep it."""
    return Markup('<span class="ref">{}</span>').format(reference)


def phrase(message: str, **values: Any) -> Markup:
    """`message` in the page's language with `values` put in, each escaped unless Markup."""
    # The catalog's text is the application's own, as a template's {{ _() }} takes it.
    return Markup(gettext(message)) % values  # noqa: S704  # nosec B704


def typed(text: str) -> Markup:
    """A text as typed, isolated inside a phrase in another direction."""
    return Markup("<bdi>{}</bdi>").format(text)


@dataclass(frozen=True)
class SubjectNamer:
    """How one kind of subject is named: `select(ids)`, a SELECT of (id, a, b, c), each as
    text, of the subjects with these ids; `name(id, a, b, c)`, the subject's (name, extra);
    `says_kind`, the name says what the subject is; `page`, the secretariat's page of it (its
    endpoint and its id's name), or None."""

    select: Callable[[list[int]], Any]
    name: Callable[..., tuple[str, str | None]]
    says_kind: bool = False
    page: tuple[str, str] | None = None


class SubjectNamers:
    """The kinds of subjects the log names, each by its namer: users, organizations and
    proposals here; the others registered by the package that owns them, from its `init_app`
    (the packages above read the trail, not the reverse), with its own references, codes and
    labels."""

    def __init__(self) -> None:
        self._namers: dict[str, SubjectNamer] = {}

    def register(self, **namers: SubjectNamer) -> None:
        self._namers.update(namers)

    def __getitem__(self, kind: str) -> SubjectNamer:
        return self._namers[kind]

    def items(self) -> list[tuple[str, SubjectNamer]]:
        return list(self._namers.items())


def _titled(table: str, page: tuple[str, str]) -> SubjectNamer:
    """A proposal or a call by its title. Their tables are read by name, when a page asks:
    those packages read the trail, not the reverse."""

    def titles(ids: list[int]) -> Any:
        columns = db.metadata.tables[table].c
        return select(columns.id, as_text(columns.title), no_value(), no_value()).where(
            columns.id.in_(ids)
        )

    return SubjectNamer(titles, lambda _, title, *__: (title, None), page=page)


SUBJECT_NAMERS = SubjectNamers()
SUBJECT_NAMERS.register(
    user=SubjectNamer(
        lambda ids: select(User.id, User.name, as_text(User.email), no_value()).where(
            User.id.in_(ids)
        ),
        lambda _, name, email, __: (name, email),
    ),
    organization=SubjectNamer(
        lambda ids: select(
            Organization.id, as_text(Organization.name), as_text(Organization.acronym), no_value()
        ).where(Organization.id.in_(ids)),
        lambda _, name, acronym, __: (name, acronym),
    ),
    proposal=_titled("proposals", ("proposals.detail", "proposal_id")),
    call=_titled("calls", ("calls.edit", "call_id")),
    # A token by the name its owner gave it, and its owner's email.
    api_token=SubjectNamer(
        lambda ids: (
            select(ApiToken.id, as_text(ApiToken.name), as_text(User.email), no_value())
            .select_from(ApiToken)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.id.in_(ids))
        ),
        lambda _, name, email, __: (name, email),
    ),
)


def _url(kind: str, subject_id: int, reader: Any) -> str | None:
    if reader is None:
        return None
    page = SUBJECT_NAMERS[kind].page
    if page and reader.has_role(Role.SECRETARIAT):
        endpoint, name = page
        return url_for(endpoint, **{name: subject_id})
    if kind == "user" and reader.has_role(Role.ADMIN):
        return url_for("admin.edit_user", user_id=subject_id)
    if kind == "organization" and reader.has_role(Role.ADMIN):
        return url_for("admin.edit_organization", organization_id=subject_id)
    return None


def _selects(rows: list[Any]) -> list[Any]:
    """One SELECT per kind, each of (id, a, b, c, kind) as text: what its namer names."""
    return [
        namer.select(_ids(rows, kind)).add_columns(literal(kind))
        for kind, namer in SUBJECT_NAMERS.items()
    ]


def named_subjects(rows: Iterable[Any], reader: Any = None) -> dict[tuple[str, str], Subject]:
    """The named subjects of `rows` (events), keyed by (subject_type, subject_id): one query
    whatever the number of events and kinds, none when `rows` is empty."""
    rows = list(rows)
    if not rows:
        return {}
    named: dict[tuple[str, str], Subject] = {}
    for subject_id, a, b, c, kind in db.session.execute(union_all(*_selects(rows))):
        namer = SUBJECT_NAMERS[kind]
        name, extra = namer.name(subject_id, a, b, c)
        url = _url(kind, subject_id, reader)
        named[(kind, str(subject_id))] = Subject(name, extra, url, namer.says_kind)
    return named


def subject_of(named: dict[tuple[str, str], Subject], row: Any) -> Subject | None:
    """The named subject of one event (`named` from `named_subjects`), or None."""
    subject_id = row.subject_id or ""
    if not subject_id.isdigit():
        return None
    return named.get((row.subject_type, str(int(subject_id))))
