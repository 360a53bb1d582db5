"""The subjects of a page of audit events by name, read for the whole page in one query: a
user's name and email, a proposal's reference and title, an organization's name, a voting
round as its proposal's reference and the round's number, a committee meeting by its title and
day, a committee seat by its entity, a pledge or a deposit by its code and donor, a programme
report or a revision by its own name and programme.

The trail records a subject as its kind and id ("voting_round", "4"); a page reads "P-00006,
round 1" or "Meeting of the committee, 30 November 2026" instead, with a link to the record's
page where the reader may open it. A subject that no longer exists, or of another kind, keeps
its words ("Call 3")."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import String, cast, literal, select, union_all

from fund.accounts.models import Organization, Role, User
from fund.auditlog.words import REPORT_KINDS
from fund.days import in_words
from fund.extensions import db
from fund.labels import N_

# The kinds named from their own table, each read by its id.
NAMED_KINDS = (
    "user",
    "proposal",
    "organization",
    "voting_round",
    "committee_meeting",
    "committee_seat",
    "pledge",
    "contribution",
    "programme_report",
    "revision",
)


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


# The page of each kind the secretariat opens (the decision record, the meeting, the pledge,
# the report, the revision: each lets the secretariat in), by endpoint and its id's name.
SECRETARIAT_PAGES = {
    "proposal": ("proposals.detail", "proposal_id"),
    "voting_round": ("committee.record", "round_id"),
    "committee_meeting": ("meetings.detail", "meeting_id"),
    "pledge": ("agent.pledge", "pledge_id"),
    "programme_report": ("reporting.report", "report_id"),
    "revision": ("revisions.revision", "revision_id"),
}


def _url(kind: str, subject_id: int, reader: Any) -> str | None:
    if reader is None:
        return None
    if kind in SECRETARIAT_PAGES and reader.has_role(Role.SECRETARIAT):
        endpoint, name = SECRETARIAT_PAGES[kind]
        return url_for(endpoint, **{name: subject_id})
    if kind == "user" and reader.has_role(Role.ADMIN):
        return url_for("admin.edit_user", user_id=subject_id)
    if kind == "organization" and reader.has_role(Role.ADMIN):
        return url_for("admin.edit_organization", organization_id=subject_id)
    return None


def _text(column: Any) -> Any:
    return cast(column, String)


def _reference(proposal_id: str) -> Markup:
    # As `fund.proposals.models.proposal_reference` writes it (the proposals' package reads
    # the trail, not the reverse), kept whole as the pages keep it.
    return Markup('<span class="ref">P-{:05d}</span>').format(int(proposal_id))


def _phrase(message: str, **values: Any) -> Markup:
    """`message` in the page's language with `values` put in, each escaped unless Markup."""
    # The catalog's text is the application's own, as a template's {{ _() }} takes it.
    return Markup(gettext(message)) % values  # noqa: S704  # nosec B704


def _typed(text: str) -> Markup:
    """A text as typed, isolated inside a phrase in another direction."""
    return Markup("<bdi>{}</bdi>").format(text)


def _selects(rows: list[Any]) -> list[Any]:
    """One SELECT per kind, each of (kind, id, a, b, c) as text: what `NAMES` makes a name of."""
    tables = db.metadata.tables  # by name: the packages above read the trail, not the reverse
    label = Organization.label.expression
    proposals = tables["proposals"]
    rounds = tables["voting_rounds"]
    meetings = tables["committee_meetings"]
    seats = tables["committee_seats"]
    reports = tables["programme_reports"]
    revisions = tables["revisions"]
    none = literal(None, String)

    def donor_of(kind: str, table: Any) -> Any:
        return (
            select(literal(kind), table.c.id, _text(label), none, none)
            .select_from(table)
            .join(Organization, Organization.id == table.c.donor_id)
        )

    return [
        select(literal("user"), User.id, User.name, _text(User.email), none).where(
            User.id.in_(_ids(rows, "user"))
        ),
        select(literal("proposal"), proposals.c.id, _text(proposals.c.title), none, none).where(
            proposals.c.id.in_(_ids(rows, "proposal"))
        ),
        select(
            literal("organization"),
            Organization.id,
            _text(Organization.name),
            _text(Organization.acronym),
            none,
        ).where(Organization.id.in_(_ids(rows, "organization"))),
        select(
            literal("voting_round"),
            rounds.c.id,
            _text(rounds.c.proposal_id),
            _text(rounds.c.number),
            none,
        ).where(rounds.c.id.in_(_ids(rows, "voting_round"))),
        select(
            literal("committee_meeting"),
            meetings.c.id,
            _text(meetings.c.title),
            _text(meetings.c.held_on),
            none,
        ).where(meetings.c.id.in_(_ids(rows, "committee_meeting"))),
        select(literal("committee_seat"), seats.c.id, _text(label), none, none)
        .select_from(seats)
        .outerjoin(Organization, Organization.id == seats.c.organization_id)
        .where(seats.c.id.in_(_ids(rows, "committee_seat"))),
        donor_of("pledge", tables["pledges"]).where(
            tables["pledges"].c.id.in_(_ids(rows, "pledge"))
        ),
        donor_of("contribution", tables["contributions"]).where(
            tables["contributions"].c.id.in_(_ids(rows, "contribution"))
        ),
        select(
            literal("programme_report"),
            reports.c.id,
            _text(reports.c.proposal_id),
            _text(reports.c.kind),
            _text(reports.c.year),
        ).where(reports.c.id.in_(_ids(rows, "programme_report"))),
        select(
            literal("revision"),
            revisions.c.id,
            _text(revisions.c.proposal_id),
            _text(revisions.c.number),
            none,
        ).where(revisions.c.id.in_(_ids(rows, "revision"))),
    ]


def _report_name(_: int, proposal_id: str, kind: str, year: str) -> tuple[str, str | None]:
    label = REPORT_KINDS.get(kind)
    named = gettext(label) if label else kind
    return _phrase(
        N_("%(kind)s: %(reference)s"), kind=named, reference=_reference(proposal_id)
    ), year


def _seat_name(entity: str | None) -> tuple[str, str | None]:
    if not entity:  # a member of no organization
        return _phrase(N_("A seat of no entity")), None
    return _phrase(N_("%(entity)s seat"), entity=_typed(entity)), None


# Each kind's (name, extra) from its row's id, a, b and c; and whether the name says the kind.
# A pledge and a deposit by their codes as the finance pages write them (PL-3, C-12).
NAMES: dict[str, tuple[Callable[..., tuple[str, str | None]], bool]] = {
    "user": (lambda _, name, email, __: (name, email), False),
    "proposal": (lambda _, title, *__: (title, None), False),
    "organization": (lambda _, name, acronym, __: (name, acronym), False),
    "voting_round": (
        lambda _, proposal_id, number, __: (
            _phrase(
                N_("%(reference)s, round %(number)s"),
                reference=_reference(proposal_id),
                number=number,
            ),
            None,
        ),
        False,
    ),
    "committee_meeting": (
        lambda _, title, held_on, __: (
            _phrase(
                N_("%(title)s, %(day)s"),
                title=_typed(title),
                day=in_words(date.fromisoformat(held_on[:10])),
            ),
            None,
        ),
        False,
    ),
    "committee_seat": (lambda _, entity, *__: _seat_name(entity), True),
    "pledge": (lambda pledge_id, donor, *_: (f"PL-{pledge_id}", donor), False),
    "contribution": (lambda deposit_id, donor, *_: (f"C-{deposit_id}", donor), False),
    "programme_report": (_report_name, True),
    "revision": (
        lambda _, proposal_id, number, __: (
            _phrase(
                N_("Revision %(number)s of %(reference)s"),
                number=number,
                reference=_reference(proposal_id),
            ),
            None,
        ),
        True,
    ),
}


def named_subjects(rows: Iterable[Any], reader: Any = None) -> dict[tuple[str, str], Subject]:
    """The named subjects of `rows` (events), keyed by (subject_type, subject_id): one query
    whatever the number of events and kinds, none when `rows` is empty."""
    rows = list(rows)
    if not rows:
        return {}
    named: dict[tuple[str, str], Subject] = {}
    for kind, subject_id, a, b, c in db.session.execute(union_all(*_selects(rows))):
        make, says_kind = NAMES[kind]
        name, extra = make(subject_id, a, b, c)
        url = _url(kind, subject_id, reader)
        named[(kind, str(subject_id))] = Subject(name, extra, url, says_kind)
    return named


def subject_of(named: dict[tuple[str, str], Subject], row: Any) -> Subject | None:
    """The named subject of one event (`named` from `named_subjects`), or None."""
    subject_id = row.subject_id or ""
    if not subject_id.isdigit():
        return None
    return named.get((row.subject_type, str(int(subject_id))))
