"""The record of a committee meeting as a PDF, like the decision record of a voting round: the
meeting's facts, who attended for which seat, the quorum, the agenda with the decision and
conditions of each item, and the minutes. Committee members and the secretariat read it, as
they read the meeting's page (`fund.committee.meeting_views.detail`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from fund.audit.queries import head
from fund.committee import meetings
from fund.committee.models import Capacity, ItemKind, ItemOutcome, Meeting
from fund.committee.rounds import decision_text
from fund.reports.pdf.document import FundDocument, fund_names, render_document
from fund.reports.pdf.styles import (
    PdfStyles,
    TextParagraph,
    audit_footer,
    long_date,
    long_time,
)
from fund.reports.pdf.tables import data_table, fact_table


@dataclass
class MeetingRecord(FundDocument):
    meeting: Meeting


def meeting_record(meeting: Meeting, config: Mapping[str, Any]) -> MeetingRecord:
    return MeetingRecord(**fund_names(config), meeting=meeting)


def _item_name(item) -> str:
    if item.proposal is not None:
        name = f"{item.proposal.kind_label} {item.proposal.reference} “{item.proposal.title}”"
        return f"{name}\n{item.title}" if item.title else name
    label = ItemKind(item.kind).label
    return f"{label}: {item.title}" if item.title and item.title != label else label


def _decision(item) -> str:
    parts = [ItemOutcome(item.outcome).label if item.outcome else "Not decided yet"]
    if item.decision:
        parts.append(item.decision)
    if item.round is not None:
        parts.append(f"Voting round {item.round.number}: {decision_text(item.round)}")
    return "\n".join(parts)


def _story(record: MeetingRecord) -> list[Flowable]:
    s = PdfStyles.report()
    m = record.meeting
    represented, needed, met = meetings.quorum_of(m)
    story: list[Flowable] = [
        TextParagraph(f"Record of the meeting: {m.title}", s.title),
        TextParagraph(f"{record.decision_body} · {long_date(m.held_on)}", s.meta),
        Spacer(1, 4),
    ]
    seats = f"{m.seats} seat{'' if m.seats == 1 else 's'}"
    facts = [
        ("Date", long_date(m.held_on)),
        ("Place", m.place or "—"),
        ("Chaired by", m.chaired_by.name if m.chaired_by else "not recorded"),
        (
            "Quorum",
            f"{represented} of {seats} represented; a majority ({needed}) is needed: "
            + ("met" if met else "not met"),
        ),
        ("Recorded", f"{long_time(m.created_at)}; last changed {long_time(m.updated_at)}"),
    ]
    story += [Paragraph("The meeting", s.h2), fact_table(s, facts, label_width=0.22)]

    attendees = sorted(
        m.attendees, key=lambda a: (a.capacity != Capacity.MEMBER, a.seat.entity, a.user.name)
    )
    story.append(Paragraph(f"Present ({len(attendees)})", s.h2))
    story.append(
        data_table(
            ("Person", "Seat", "Present as"),
            [
                (
                    a.user.name,
                    a.seat.entity,
                    "Member" if a.capacity == Capacity.MEMBER else "Alternate",
                )
                for a in attendees
            ],
            (0.45, 0.3, 0.25),
        )
        if attendees
        else Paragraph("No attendance is recorded.", s.note)
    )
    if m.also_present:
        story.append(
            KeepTogether([Paragraph("Also present", s.h3), TextParagraph(m.also_present, s.body)])
        )

    story.append(Paragraph(f"Agenda and decisions ({len(m.items)})", s.h2))
    story.append(
        data_table(
            ("No.", "Item", "Decision", "Conditions"),
            [
                (item.position, _item_name(item), _decision(item), item.conditions or "—")
                for item in m.items
            ],
            (0.06, 0.36, 0.33, 0.25),
            numeric=(0,),
        )
        if m.items
        else Paragraph("The agenda is empty.", s.note)
    )
    note = Paragraph(
        "Every change of this record is in the audit trail (committee meeting "
        f"{m.id}). A proposal's or concept note's state changes through its voting round, "
        "whose own decision record gives the votes.",
        s.note,
    )
    # The minutes paragraph by paragraph, the last one kept on the page of the closing note.
    paragraphs = [TextParagraph(part.strip(), s.body) for part in m.minutes.split("\n\n")]
    if not m.minutes.strip():
        paragraphs = [Paragraph("No minutes are written yet.", s.note)]
    story.append(Paragraph("Minutes", s.h2))
    for paragraph in paragraphs[:-1]:
        story += [paragraph, Spacer(1, 4)]
    story.append(KeepTogether([paragraphs[-1], Spacer(1, 6), note]))
    return story


def render_meeting_record(record: MeetingRecord, *, generated_at: datetime) -> bytes:
    m = record.meeting
    title = f"Meeting record · {long_date(m.held_on)}"
    return render_document(
        _story(record),
        record,
        [f"{title} · generated {long_time(generated_at)}", title, "Meeting record"],
        audit_footer(head()),
        title=f"Record of the meeting: {m.title}",
        subject=f"{record.decision_body} meeting record",
    )
