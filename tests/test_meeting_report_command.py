"""`flask fund report meeting ID-OR-DATE --out FILE`: the record of a committee meeting, the
PDF of *Record (PDF)* on the meeting's page, named by the meeting's number or its day."""

from __future__ import annotations

import re

from fund.committee import meetings
from fund.extensions import db
from fund.proposals.models import proposal_reference
from tests.helpers import client_for, pdf_text, user
from tests.test_committee import people as people
from tests.test_committee import prepared_review as prepared_review
from tests.test_committee_meetings import DAY, _meeting
from tests.test_committee_meetings import seated as seated
from tests.test_committee_meetings import under_review as under_review

GENERATED = re.compile(r"generated \d{1,2} \w+ \d{4}, \d{2}:\d{2} UTC")


def _words(data: bytes) -> str:
    """The PDF's text, its time of generation left out."""
    _, text = pdf_text(data)
    return GENERATED.sub("generated", " ".join(text.split()))


def _report(runner, *args: str):
    return runner.invoke(args=["fund", "report", "meeting", *args])


def test_the_record_by_number_or_day(app, runner, people, seated, under_review, tmp_path):
    meeting_id = _meeting(
        app, people, [people.iom, seated], place="Geneva", minutes="Opened at 10:00."
    )
    with app.app_context():
        meetings.add_item(
            user(people.secretariat),
            meeting_id,
            "proposal",
            reference=proposal_reference(under_review),
        )
        db.session.commit()

    by_number = tmp_path / "by-number.pdf"
    result = _report(runner, str(meeting_id), "--out", str(by_number))
    assert result.exit_code == 0, result.output
    assert f"Record of the meeting {meeting_id} “Third meeting” of 2026-11-20" in result.output
    assert "(1 agenda item)" in result.output and str(by_number) in result.output
    text = _words(by_number.read_bytes())
    for expected in (
        "Record of the meeting: Third meeting",
        "Executive Committee",
        "Geneva",
        "Amal Alt",
        "Alternate",
        proposal_reference(under_review),
        "Opened at 10:00.",
        "2 of 4 seats represented",
    ):
        assert expected in text, expected
    # The same record as the page's PDF (the time of generation aside).
    served = client_for(app, people.secretariat).get(f"/committee/meetings/{meeting_id}.pdf")
    assert served.status_code == 200
    assert _words(served.data) == text

    by_day = tmp_path / "by-day.pdf"
    result = _report(runner, DAY.isoformat(), "--out", str(by_day))
    assert result.exit_code == 0, result.output
    assert _words(by_day.read_bytes()) == text


def test_a_meeting_not_found_or_not_one_is_refused(app, runner, people, seated, tmp_path):
    first = _meeting(app, people, [people.iom], title="Morning session")
    out = tmp_path / "record.pdf"
    refusals = {
        "999": "there is no meeting 999",
        "2026-11-21": "no meeting was held on 2026-11-21",
        "2026-02-30": "2026-02-30 is not a date",
        "last week": "'last week' is neither a meeting's number nor a date",
    }
    for given, message in refusals.items():
        result = _report(runner, given, "--out", str(out))
        assert result.exit_code == 2, (given, result.output)
        assert message in " ".join(result.output.split()), (given, result.output)
    # Two meetings on one day: the number is needed, and each is listed.
    second = _meeting(app, people, [people.unhcr], title="Afternoon session")
    result = _report(runner, DAY.isoformat(), "--out", str(out))
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert "2 meetings were held on 2026-11-20" in output
    assert f"{first}: Morning session" in output and f"{second}: Afternoon session" in output
    assert not out.exists()
