"""How the audit log names the committee's subjects (registered in `fund.auditlog`'s
`SUBJECT_NAMERS` by `fund.committee.init_app`): a voting round by its proposal's reference
and number, a meeting by its title and day, a seat by its entity."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from fund.accounts.models import Organization
from fund.auditlog.subjects import SubjectNamer, as_text, kept_whole, no_value, phrase, typed
from fund.committee.models import Meeting, Seat, VotingRound
from fund.days import in_words
from fund.labels import N_
from fund.proposals.models import proposal_reference


def _seat_name(entity: str | None) -> tuple[str, str | None]:
    if not entity:  # a member of no organization
        return phrase(N_("A seat of no entity")), None
    return phrase(N_("%(entity)s seat"), entity=typed(entity)), None


NAMERS = {
    "voting_round": SubjectNamer(
        lambda ids: select(
            VotingRound.id,
            as_text(VotingRound.proposal_id),
            as_text(VotingRound.number),
            no_value(),
        ).where(VotingRound.id.in_(ids)),
        lambda _, proposal_id, number, __: (
            phrase(
                N_("%(reference)s, round %(number)s"),
                reference=kept_whole(proposal_reference(int(proposal_id))),
                number=number,
            ),
            None,
        ),
        page=("committee.record", "round_id"),
    ),
    "committee_meeting": SubjectNamer(
        lambda ids: select(
            Meeting.id, as_text(Meeting.title), as_text(Meeting.held_on), no_value()
        ).where(Meeting.id.in_(ids)),
        lambda _, title, held_on, __: (
            phrase(
                N_("%(title)s, %(day)s"),
                title=typed(title),
                day=in_words(date.fromisoformat(held_on[:10])),
            ),
            None,
        ),
        page=("meetings.detail", "meeting_id"),
    ),
    "committee_seat": SubjectNamer(
        lambda ids: (
            select(Seat.id, as_text(Organization.label), no_value(), no_value())
            .select_from(Seat)
            .outerjoin(Organization, Organization.id == Seat.organization_id)
            .where(Seat.id.in_(ids))
        ),
        lambda _, entity, *__: _seat_name(entity),
        says_kind=True,
    ),
}
