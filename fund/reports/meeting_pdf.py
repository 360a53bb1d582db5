"""The record of a committee meeting as a PDF, like the decision record of a voting round: the
meeting's facts, who attended for which seat, the quorum, the agenda with the decision and
conditions of each item, and the minutes. Committee members and the secretariat read it, as
they read the meeting's page (`fund.committee.meeting_views.detail`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.platypus import Flowable, KeepTogether, Spacer

from fund.audit.queries import head
from fund.committee import meetings
from fund.committee.models import Capacity, ItemKind, ItemOutcome, Meeting
from fund.committee.rounds import decision_sentence
from fund.days import in_words, moment_in_words
from fund.reports.pdf.document import (
    FundDocument,
    fund_names,
    render_document,
)
from fund.reports.pdf.styles import PdfStyles, TextParagraph, audit_footer
from fund.reports.pdf.tables import data_table, fact_table
from fund.sentences import said


@dataclass
class MeetingRecord(FundDocument):
    meeting: Meeting


def meeting_record(meeting: Meeting, config: Mapping[str, Any]) -> MeetingRecord:
    return MeetingRecord(**fund_names(config), meeting=meeting)


def _item_name(item) -> str:
    if item.proposal is not None:
        name = _(
            "%(kind)s %(reference)s “%(title)s”",
            kind=_(item.proposal.kind_label),
            reference=item.proposal.reference,
            title=item.proposal.title,
        )
        return f"{name}\n{item.title}" if item.title else name
    label = ItemKind(item.kind).label
    if item.title and item.title != label:
        return _("%(kind)s: %(title)s", kind=_(label), title=item.title)
    return _(label)


def _decision(item) -> str:
    parts = [_(ItemOutcome(item.outcome).label) if item.outcome else _("Not decided yet")]
    if item.decision:
        parts.append(item.decision)
    if item.round is not None:
        parts.append(
            _(
                "Voting round %(number)s: %(decision)s",
                number=item.round.number,
                decision=said(decision_sentence(item.round)),
            )
        )
    return "\n".join(parts)


def _story(record: MeetingRecord) -> list[Flowable]:
    s = PdfStyles.report()
    m = record.meeting
    represented, needed, met = meetings.quorum_of(m)
    story: list[Flowable] = [
        TextParagraph(_("Record of the meeting: %(title)s", title=m.title), s.title),
        TextParagraph(f"{_(record.decision_body)} · {in_words(m.held_on)}", s.meta),
        Spacer(1, 4),
    ]
    seats = ngettext("%(num)s seat", "%(num)s seats", m.seats)
    quorum = (
        _(
            "%(represented)s of %(seats)s represented; a majority (%(needed)s) is needed: met",
            represented=represented,
            seats=seats,
            needed=needed,
        )
        if met
        else _(
            "%(represented)s of %(seats)s represented; a majority (%(needed)s) is needed: not met",
            represented=represented,
            seats=seats,
            needed=needed,
        )
    )
    facts = [
        (_("Date"), in_words(m.held_on)),
        (_("Place"), m.place or "—"),
        (_("Chaired by"), m.chaired_by.name if m.chaired_by else _("not recorded")),
        (_("Quorum"), quorum),
        (
            _("Recorded"),
            _(
                "%(created)s; last changed %(changed)s",
                created=moment_in_words(m.created_at),
                changed=moment_in_words(m.updated_at),
            ),
        ),
    ]
    story += [TextParagraph(_("The meeting"), s.h2), fact_table(s, facts, label_width=0.22)]

    attendees = sorted(
        m.attendees, key=lambda a: (a.capacity != Capacity.MEMBER, a.seat.entity, a.user.name)
    )
    story.append(TextParagraph(_("Present (%(count)s)", count=len(attendees)), s.h2))
    story.append(
        data_table(
            (_("Person"), _("Seat"), _("Present as")),
            [
                (
                    a.user.name,
                    a.seat.entity,
                    _("Member") if a.capacity == Capacity.MEMBER else _("Alternate"),
                )
                for a in attendees
            ],
            (0.45, 0.3, 0.25),
        )
        if attendees
        else TextParagraph(_("No attendance is recorded."), s.note)
    )
    if m.also_present:
        story.append(
            KeepTogether(
                [TextParagraph(_("Also present"), s.h3), TextParagraph(m.also_present, s.body)]
            )
        )

    story.append(TextParagraph(_("Agenda and decisions (%(count)s)", count=len(m.items)), s.h2))
    story.append(
        data_table(
            (_("No."), _("Item"), _("Decision"), _("Conditions")),
            [
                (item.position, _item_name(item), _decision(item), item.conditions or "—")
                for item in m.items
            ],
            (0.06, 0.36, 0.33, 0.25),
            numeric=(0,),
        )
        if m.items
        else TextParagraph(_("The agenda is empty."), s.note)
    )
    note = TextParagraph(
        _(
            "Every change of this record is in the audit trail (committee meeting %(id)s). A "
            "proposal's or concept note's state changes through its voting round, whose own "
            "decision record gives the votes.",
            id=m.id,
        ),
        s.note,
    )
    # The minutes paragraph by paragraph, the last one kept on the page of the closing note.
    paragraphs = [TextParagraph(part.strip(), s.body) for part in m.minutes.split("\n\n")]
    if not m.minutes.strip():
        paragraphs = [TextParagraph(_("No minutes are written yet."), s.note)]
    story.append(TextParagraph(_("Minutes"), s.h2))
    for paragraph in paragraphs[:-1]:
        story += [paragraph, Spacer(1, 4)]
    story.append(KeepTogether([paragraphs[-1], Spacer(1, 6), note]))
    return story


def render_meeting_record(record: MeetingRecord, *, generated_at: datetime) -> bytes:
    m = record.meeting
    title = _("Meeting record · %(day)s", day=in_words(m.held_on))
    return render_document(
        _story(record),
        record,
        [
            _("%(title)s · generated %(when)s", title=title, when=moment_in_words(generated_at)),
            title,
            _("Meeting record"),
        ],
        audit_footer(head()),
        title=_("Record of the meeting: %(title)s", title=m.title),
        subject=_("%(body)s meeting record", body=_(record.decision_body)),
    )
