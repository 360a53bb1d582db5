"""The decision record of a voting round as a PDF: what the record page shows, to file or to
print.

Who gets what follows the record page (`fund.committee.views.record`): the secretariat the whole
record; a committee member without a conflict on the proposal the whole record once the round is
closed; the applicant organization the outcome, the committee's summary and the conditions of a
closed round, never the individual votes. Anybody else gets nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.platypus import Flowable, KeepTogether, Spacer

from fund.accounts.models import User
from fund.audit.queries import head
from fund.calls.models import DecisionRule
from fund.committee import queries
from fund.committee.models import (
    Choice,
    Recusal,
    RoundMember,
    RoundStatus,
    Vote,
    VotingRound,
    deadline_passed,
)
from fund.committee.rounds import decision_sentence, round_tally
from fund.committee.tally import Tally
from fund.committee.voting_seats import listed_seats, seat_count, uncounted_heading
from fund.days import in_words, moment_text, short_moment
from fund.proposals.models import Proposal, ProposalVersion
from fund.proposals.queries import load_proposal
from fund.reports.pdf.document import FundDocument, fund_names, render_document
from fund.reports.pdf.styles import PdfStyles, TextParagraph, audit_footer
from fund.reports.pdf.tables import data_table, fact_table
from fund.sentences import listed, said


def when(moment: datetime | None) -> str:
    """A moment as the record page writes it, in the language of the request."""
    return moment_text(moment) if moment else "—"


def record_access(user: User, round_: VotingRound, proposal: Proposal) -> tuple[bool, bool]:
    """(may see the record, sees it in full), by the rules of the record page."""
    return queries.record_access(user, round_, proposal)


@dataclass
class DecisionRecord(FundDocument):
    """The round and everything its record shows."""

    fund_name: str
    decision_body: str
    proposal: Proposal
    round: VotingRound
    full: bool  # votes, tally, members and recusals shown
    version: ProposalVersion | None
    opened_by: User | None
    closed_by: User | None
    organization_names: dict[int, str]
    conditions: list[str]
    tally: Tally
    entitled: list[RoundMember] = field(default_factory=list)
    recused: list[RoundMember] = field(default_factory=list)
    # Seats not recused that no longer count: nobody can vote for them any more, no vote cast.
    uncounted: list[RoundMember] = field(default_factory=list)
    # The meeting whose item took the decision (`deciding_meeting`), as the record page names it.
    meeting: Any = None

    @property
    def reference(self) -> str:
        return self.proposal.reference

    @property
    def votes(self) -> dict[int, Vote]:
        """The votes by seat."""
        return {v.seat_id: v for v in self.round.votes}


def _record(
    round_: VotingRound, proposal: Proposal, full: bool, config: Mapping[str, Any]
) -> DecisionRecord:
    # Counted as `fund.committee.queries.round_view` counts them for the page.
    closed = round_.status == RoundStatus.CLOSED
    people = queries.users_by_id({round_.opened_by_id, round_.closed_by_id})
    listed = listed_seats(round_)
    return DecisionRecord(
        **fund_names(config),
        proposal=proposal,
        round=round_,
        full=full,
        version=queries.version_of(proposal.id, round_.version_number),
        opened_by=people.get(round_.opened_by_id) if round_.opened_by_id else None,
        closed_by=people.get(round_.closed_by_id) if round_.closed_by_id else None,
        organization_names=queries.organization_names({m.organization_id for m in round_.members}),
        conditions=queries.approval_conditions(round_),
        tally=Tally.kept(round_.tally) if closed and round_.tally else round_tally(round_),
        entitled=listed[0],
        recused=[m for m in round_.members if m.recusal is not None],
        uncounted=listed[1],
        meeting=queries.deciding_meeting(round_.id),
    )


def decision_record(
    round_: VotingRound, user: User, config: Mapping[str, Any]
) -> DecisionRecord | None:
    """The record as `user` may see it, or None when they may not see it at all."""
    proposal = load_proposal(round_.proposal_id)
    allowed, full = record_access(user, round_, proposal)
    return _record(round_, proposal, full, config) if allowed else None


def full_record(round_: VotingRound, config: Mapping[str, Any]) -> DecisionRecord:
    """The whole record, as the secretariat sees it (for the command line)."""
    return _record(round_, load_proposal(round_.proposal_id), True, config)


def _quorum(record: DecisionRecord) -> str:
    r, t = record.round, record.tally
    basis = (
        ngettext(
            "%(num)s vote, set by the call", "%(num)s votes, set by the call", r.quorum_setting
        )
        if r.quorum_setting
        else _("a majority of the members entitled to vote")
    )
    # The same words as the decision record's page (templates/committee/record.html).
    counts = _("%(needed)s needed, %(cast)s cast,", needed=t.quorum_needed, cast=t.cast)
    met = _("met") if t.quorum_met else _("not met")
    return f"{_('%(basis)s: %(counts)s', basis=basis, counts=counts)} {met}"


def _story(record: DecisionRecord, now: datetime) -> list[Flowable]:
    s = PdfStyles.report()
    r, p = record.round, record.proposal
    closed = r.status == RoundStatus.CLOSED
    story: list[Flowable] = [
        TextParagraph(
            _(
                "Decision record: %(reference)s, round %(number)s",
                reference=record.reference,
                number=r.number,
            ),
            s.title,
        ),
        TextParagraph(
            f"{_(record.decision_body)} · {said(decision_sentence(r)) if closed else _('Open')}",
            s.meta,
        ),
        Spacer(1, 4),
    ]
    if not closed:
        story.append(
            TextParagraph(
                _("This round is still open: the record below is the state so far."), s.warning
            )
        )
    version = _("version %(number)s", number=r.version_number)
    if record.version:
        version = _(
            "version %(number)s, submitted %(when)s",
            number=r.version_number,
            when=when(record.version.submitted_at),
        )
    deadline = when(r.deadline)
    if not closed and deadline_passed(r.deadline, now):
        deadline = _("%(when)s (passed)", when=deadline)
    opened = when(r.opened_at)
    closed_at = when(r.closed_at)
    if record.full and record.opened_by:
        opened = _("%(when)s by %(name)s", when=opened, name=record.opened_by.name)
    if record.full and r.closed_at and record.closed_by:
        closed_at = _("%(when)s by %(name)s", when=closed_at, name=record.closed_by.name)
    facts = [
        (
            _("Concept note") if p.is_concept_note else _("Proposal"),
            f"{record.reference} “{p.title}”",
        ),
        (_("Applicant"), p.organization.display_name),
        (_("Version decided on"), version),
        (_("Outcome"), said(decision_sentence(r)) if closed else _("not decided yet")),
        (_("Opened"), opened),
    ]
    if r.deadline:
        facts.append((_("Deadline"), deadline))
    facts.append((_("Closed"), closed_at))
    if record.meeting is not None:
        meeting = record.meeting
        facts.append(
            (
                _("Meeting"),
                _("%(title)s, %(day)s", title=meeting.title, day=in_words(meeting.held_on)),
            )
        )
    if record.full:
        rule = DecisionRule.labels().get(r.decision_rule, r.decision_rule)
        facts.append((_("Decision rule"), _(rule)))
        facts.append((_("Quorum"), _quorum(record)))
        facts.append((_("Seats"), said(seat_count(r).sentence)))
    story += [TextParagraph(_("Decision"), s.h2), fact_table(s, facts, label_width=0.25)]
    if r.summary:
        story.append(
            KeepTogether(
                [
                    TextParagraph(_("The committee's summary"), s.h3),
                    TextParagraph(r.summary, s.body),
                ]
            )
        )
    if record.conditions:
        story.append(TextParagraph(_("Conditions attached to the votes to approve"), s.h3))
        story += [TextParagraph(c, s.body, prefix="• ") for c in record.conditions]
    if not record.full:
        story.append(Spacer(1, 6))
        story.append(
            TextParagraph(
                _("The individual votes of the committee members are not shown to the applicant."),
                s.note,
            )
        )
        return story
    t = record.tally
    story.append(
        KeepTogether(
            [
                TextParagraph(_("Tally at closing") if closed else _("Tally so far"), s.h2),
                data_table(
                    (
                        _("Approve"),
                        _("Reject"),
                        _("Abstain"),
                        _("Votes cast"),
                        _("Entitled"),
                        _("Quorum needed"),
                    ),
                    [(t.approve, t.reject, t.abstain, t.cast, t.entitled, t.quorum_needed)],
                    (1 / 6,) * 6,
                    numeric=range(6),
                ),
                TextParagraph(said(t.explanation), s.body),
            ]
        )
    )
    names = record.organization_names
    votes = record.votes
    members = []
    for m in record.entitled:
        vote = votes.get(m.seat_id)
        name = m.user.name
        if vote is not None and vote.member_id != m.user_id:
            name = _("%(name)s (vote cast by %(by)s)", name=name, by=vote.member.name)
        members.append(
            (
                name,
                names.get(m.organization_id, "—") if m.organization_id else "—",
                _(Choice.labels().get(vote.choice, vote.choice)) if vote else _("did not vote"),
                vote.comment if vote else "",
                vote.conditions if vote else "",
                when(vote.cast_at) if vote else "",
                when(vote.changed_at) if vote and vote.changed_at else "",
            )
        )
    story.append(
        TextParagraph(_("Members entitled to vote (%(count)s)", count=len(record.entitled)), s.h2)
    )
    story.append(
        data_table(
            (
                _("Member"),
                _("Organization"),
                _("Vote"),
                _("Comment"),
                _("Conditions"),
                _("Cast"),
                _("Changed"),
            ),
            members,
            (0.14, 0.13, 0.08, 0.17, 0.13, 0.175, 0.175),
            size=7.5,
        )
        if members
        else TextParagraph(_("No member was entitled to vote."), s.note)
    )
    if record.uncounted:
        story.append(
            TextParagraph(
                _(uncounted_heading(record.round))
                + " "
                + listed(m.user.name for m in record.uncounted)
                + ".",
                s.note,
            )
        )
    recusals = [
        (
            m.user.name,
            names.get(m.organization_id, "—") if m.organization_id else "—",
            _("Automatic") if m.recusal == Recusal.AUTOMATIC else _("Declared by the member"),
            said(m.recusal_sentence),
            when(m.recused_at),
        )
        for m in record.recused
    ]
    story.append(TextParagraph(_("Recusals (%(count)s)", count=len(record.recused)), s.h2))
    story.append(
        data_table(
            (_("Member"), _("Organization"), _("Recusal"), _("Reason"), _("When")),
            recusals,
            (0.16, 0.13, 0.15, 0.36, 0.2),
            size=7.5,
        )
        if recusals
        else TextParagraph(_("Nobody was recused."), s.note)
    )
    story.append(Spacer(1, 6))
    story.append(
        TextParagraph(
            _(
                "Every vote, change, recusal and the closing are also in the audit trail, "
                "under %(round)s.",
                round=_(
                    "%(reference)s, round %(number)s", reference=record.reference, number=r.number
                ),
            ),
            s.note,
        )
    )
    return story


def render_decision_record(record: DecisionRecord, *, generated_at: datetime) -> bytes:
    """The PDF of the record."""
    title = _(
        "Decision record %(reference)s · round %(number)s",
        reference=record.reference,
        number=record.round.number,
    )
    return render_document(
        _story(record, generated_at),
        record,
        [
            _("%(title)s · generated %(when)s", title=title, when=when(generated_at)),
            _("%(title)s · generated %(when)s", title=title, when=short_moment(generated_at)),
            title,
        ],
        # The audit trail's head identifies the records behind a full record; the applicant's
        # version shows nothing of the secretariat's trail.
        audit_footer(head()) if record.full else _("Generated %(when)s", when=when(generated_at)),
        title=_(
            "Decision record %(reference)s, round %(number)s",
            reference=record.reference,
            number=record.round.number,
        ),
        subject=_("%(body)s decision record", body=_(record.decision_body)),
    )
