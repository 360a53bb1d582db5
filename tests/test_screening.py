"""Eligibility screening: the queue, the checklist, the gates it opens, the criteria per call."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from fund.accounts.models import User
from fund.calls.models import Call
from fund.extensions import db, utcnow
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Proposal
from fund.screening import operations, queries
from fund.screening.guards import screening_passed, screening_recorded
from fund.screening.models import ScreeningCheck, ScreeningCriterion
from fund.screening.results_check import findings as automatic_findings
from fund.screening.results_check import results_framework_problems
from tests.factories import new_open_call
from tests.helpers import audit_events, csrf_token
from tests.results_factories import add_indicator, add_outcome
from workflows import TransitionRefused

DEFAULT_CODES = [
    "joint_programme",
    "endorsement",
    "objectives",
    "budget_limits",
    "markers",
    "duration",
    "principles",
    "results_framework",
]


def _criteria(app, proposal_id: int) -> dict[str, int]:
    """The call's criteria (created from the defaults on first use): code -> id."""
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        criteria = operations.ensure_criteria(proposal.call)
        db.session.commit()
        return {c.code: c.id for c in criteria}


def _proposal(app, proposal_id: int) -> tuple[str, int, int]:
    with app.app_context():
        p = db.session.get(Proposal, proposal_id)
        return p.status, p.version, p.submission_number


def _checks(app, proposal_id: int) -> list[tuple[int, int, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(
                ScreeningCheck.version_number,
                ScreeningCheck.criterion_id,
                ScreeningCheck.result,
                ScreeningCheck.note,
            )
            .where(ScreeningCheck.proposal_id == proposal_id)
            .order_by(ScreeningCheck.version_number, ScreeningCheck.criterion_id)
        )
        return [tuple(r) for r in rows]


def _post_checks(client, app, proposal_id: int, results: dict[int, tuple[str, str]]):
    token = csrf_token(client, f"/screening/{proposal_id}")
    data = {"csrf_token": token, "version": str(_proposal(app, proposal_id)[1])}
    for criterion_id, (result, note) in results.items():
        if result:
            data[f"result_{criterion_id}"] = result
        data[f"note_{criterion_id}"] = note
    return client.post(f"/screening/{proposal_id}", data=data)


def _act(client, app, proposal_id: int, trigger: str, comment: str = "", version=None):
    token = csrf_token(client, "/screening/")
    version = _proposal(app, proposal_id)[1] if version is None else version
    return client.post(
        f"/screening/{proposal_id}/actions",
        data={"csrf_token": token, "version": str(version), "trigger": trigger, "comment": comment},
    )


def _all(criteria: dict[str, int], result: str = "pass") -> dict[int, tuple[str, str]]:
    return dict.fromkeys(criteria.values(), (result, ""))


# The queue ------------------------------------------------------------------------------


def test_queue_lists_waiting_proposals_oldest_first(
    app, client, author, secretariat, make_proposal
):
    now = utcnow()
    recent = make_proposal(
        author, status="submitted", title="Recent one", submitted_at=now - timedelta(days=2)
    )
    oldest = make_proposal(
        author, status="screening", title="Oldest one", submitted_at=now - timedelta(days=10)
    )
    middle = make_proposal(
        author, status="submitted", title="Middle one", submitted_at=now - timedelta(days=5)
    )
    make_proposal(author, status="draft", title="A draft")
    make_proposal(author, status="committee_review", title="Under review", submitted_at=now)

    with app.app_context():
        queue = queries.screening_queue(now=now)
    rows = queue.rows
    assert (queue.count, queue.waiting, queue.in_screening, queue.pages) == (3, 2, 1, 1)
    assert [r.id for r in rows] == [oldest, middle, recent]
    first = rows[0]
    assert (first.organization, first.call_title, first.status) == ("ILO", "Open call", "screening")
    assert first.waiting_days == 10
    assert first.reference == f"P-{oldest:05d}"

    page = client.get("/screening/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("Oldest one") < html.index("Middle one") < html.index("Recent one")
    assert "A draft" not in html and "Under review" not in html
    assert f"P-{oldest:05d}" in html and "Open call" in html and "In screening" in html
    assert html.count(">Start screening<") == 2  # only the submitted rows
    assert f'href="/screening/{oldest}"' in html
    # The column's label within the sentence keeps its own case ("UTC", not "utc").
    assert "Sorted by submitted (UTC) (ascending)." in html


def test_queue_takes_a_fixed_number_of_queries(app, author, make_proposal):
    def count_queries() -> int:
        statements = []

        def listener(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                queue = queries.screening_queue()
                for row in queue.rows:  # everything the page shows
                    _ = (row.reference, row.organization, row.call_title, row.status_label)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    make_proposal(author, status="submitted", submitted_at=utcnow())
    one = count_queries()
    for _ in range(3):
        make_proposal(author, status="screening", submitted_at=utcnow())
    assert count_queries() == one == 2  # the counts, then the page


def test_queue_is_paginated_in_sql_oldest_first(app, author, make_proposal):
    now = utcnow()
    ids = [
        make_proposal(
            author,
            status="submitted" if n % 3 else "screening",
            title=f"Queued {n}",
            submitted_at=now - timedelta(days=30 - n),
        )
        for n in range(7)
    ]
    unsubmitted = make_proposal(author, status="submitted", title="No date")
    with app.app_context():
        # Legacy data: a submission recorded before submission times were kept, which the
        # workflow never writes; the queue still shows it, last.
        db.session.get(Proposal, unsubmitted).submitted_at = None
        db.session.commit()
    expected = [*ids, unsubmitted]  # oldest submission first; without a date last
    with app.app_context():
        pages = [queries.screening_queue(now=now, page=n, per_page=3) for n in (1, 2, 3)]
        beyond = queries.screening_queue(now=now, page=99, per_page=3)
        before = queries.screening_queue(now=now, page=0, per_page=3)
    assert [r.id for page in pages for r in page.rows] == expected
    assert [(p.page, p.pages, p.count, p.first, p.last) for p in pages] == [
        (1, 3, 8, 1, 3),
        (2, 3, 8, 4, 6),
        (3, 3, 8, 7, 8),
    ]
    assert (pages[0].waiting, pages[0].in_screening) == (5, 3)
    assert (pages[0].has_prev, pages[0].has_next, pages[2].has_prev, pages[2].has_next) == (
        False,
        True,
        True,
        False,
    )
    assert pages[1].rows[0].waiting_days == 27
    assert beyond.page == 3 and [r.id for r in beyond.rows] == [r.id for r in pages[2].rows]
    assert before.page == 1


def test_every_page_of_the_default_order_is_the_whole_queue_sorted(
    app, backend, author, make_proposal
):
    """The default order's pages are chosen from the first rows of each state (read from the
    index on status and submission): page after page they are the whole queue sorted, with the
    states interleaved, ties on the submission moment broken by id, and rows without a date
    last; so is a status filter's, and the waiting time's longest-first order."""
    from fund.listing import DESCENDING, Sorting

    now = utcnow()
    same = now - timedelta(days=4)
    days = [9, 1, 4, 7, 4, 2, 8, 3, 4]
    ids = [
        make_proposal(
            author,
            status="screening" if n % 2 else "submitted",
            submitted_at=same if day == 4 else now - timedelta(days=day),
        )
        for n, day in enumerate(days)
    ]
    undated = [make_proposal(author, status=state) for state in ("screening", "submitted")]
    with app.app_context():
        for proposal_id in undated:
            db.session.get(Proposal, proposal_id).submitted_at = None
        db.session.commit()
        every = [r.id for r in queries.queue_export(queries.QueueFilters(), None)]
        dated = sorted(range(len(ids)), key=lambda n: (-days[n], ids[n]))
        assert every == [ids[n] for n in dated] + sorted(undated)

        def paged(filters, sorting=None) -> list[int]:
            found = []
            for number in range(1, 5):
                page = queries.screening_queue(
                    now=now, page=number, per_page=3, filters=filters, sorting=sorting
                )
                found += [r.id for r in page.rows] if page.page == number else []
            return found

        assert paged(queries.QueueFilters()) == every
        waiting = Sorting("waiting", DESCENDING, queries.SORT_COLUMNS, *queries.DEFAULT_SORT)
        assert paged(queries.QueueFilters(), waiting) == every
        screening = queries.QueueFilters(status="screening")
        assert (
            paged(screening)
            == [r.id for r in queries.queue_export(screening, None)]
            == [i for i in every if i in ids[1::2] or i == undated[0]]
        )


def test_queue_page_links_work_without_javascript(
    app, client, author, secretariat, make_proposal, monkeypatch
):
    monkeypatch.setattr(queries, "QUEUE_PAGE_SIZE", 2)
    now = utcnow()
    ids = [
        make_proposal(
            author,
            status="submitted",
            title=f"Waiting {n}",
            submitted_at=now - timedelta(days=9 - n),
        )
        for n in range(5)
    ]
    first = client.get("/screening/").get_data(as_text=True)
    assert "5 proposals in the queue: 5 waiting for screening, 0 in screening." in first
    assert "Showing 1 to 2" in first and "Page 1 of 3" in first
    assert f"P-{ids[0]:05d}" in first and f"P-{ids[2]:05d}" not in first
    assert '<nav class="pager" aria-label="Pages of the screening queue">' in first
    assert 'href="/screening/?page=2#queue" rel="next"' in first
    assert 'rel="prev"' not in first

    second = client.get("/screening/?page=2").get_data(as_text=True)
    assert f"P-{ids[2]:05d}" in second and f"P-{ids[3]:05d}" in second
    assert f"P-{ids[0]:05d}" not in second and f"P-{ids[4]:05d}" not in second
    assert 'href="/screening/?page=1#queue" rel="prev"' in second
    assert 'href="/screening/?page=3#queue" rel="next"' in second
    # The start button of a row on page 2 comes back to page 2 if the action is refused.
    assert f'action="/screening/{ids[2]}/start?page=2"' in second

    last = client.get("/screening/?page=3").get_data(as_text=True)
    assert f"P-{ids[4]:05d}" in last and 'rel="next"' not in last
    for unreadable in ("abc", "-4", ""):
        assert client.get(f"/screening/?page={unreadable}").status_code == 200


def test_start_screening_from_the_queue(app, client, author, secretariat, make_proposal):
    proposal_id = make_proposal(author, status="submitted")
    _, version, _ = _proposal(app, proposal_id)
    token = csrf_token(client, "/screening/")

    stale = client.post(
        f"/screening/{proposal_id}/start", data={"csrf_token": token, "version": version + 5}
    )
    assert stale.status_code == 409
    assert "changed since you opened" in stale.get_data(as_text=True)
    assert _proposal(app, proposal_id)[0] == "submitted"

    response = client.post(
        f"/screening/{proposal_id}/start", data={"csrf_token": token, "version": version}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/screening/{proposal_id}")
    assert _proposal(app, proposal_id)[0] == "screening"
    (started,) = audit_events(app, "start_screening", proposal_id)
    assert (started.from_state, started.to_state, started.actor_id) == (
        "submitted",
        "screening",
        secretariat.id,
    )
    with app.app_context():
        codes = db.session.scalars(select(ScreeningCriterion.code)).all()
    assert sorted(codes) == sorted(DEFAULT_CODES)

    again = client.post(
        f"/screening/{proposal_id}/start",
        data={"csrf_token": token, "version": _proposal(app, proposal_id)[1]},
    )
    assert again.status_code == 400
    assert "The action was not taken" in again.get_data(as_text=True)


# The checklist --------------------------------------------------------------------------


def _checked(html: str, criterion_id: int) -> str | None:
    match = re.search(rf'name="result_{criterion_id}" value="(\w+)" checked', html)
    return match.group(1) if match else None


def test_checklist_prefills_a_complete_proposal_with_passes(
    app, client, author, secretariat, make_proposal
):
    proposal_id = make_proposal(author, status="screening")
    page = client.get(f"/screening/{proposal_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    criteria = _criteria(app, proposal_id)
    assert len(criteria) == len(DEFAULT_CODES)
    assert all(_checked(html, cid) == "pass" for cid in criteria.values())
    assert html.count("The system found: no problem.") == len(DEFAULT_CODES)
    assert "<legend>1. Joint programme: two or more participating UN organizations" in html
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        rules = proposal_operations.rules_from_config(app.config)
        assert operations.prefill(proposal, rules) == _all(criteria)
    assert _checks(app, proposal_id) == []  # a suggestion is not a record


def test_checklist_prefills_an_incomplete_proposal_with_failures(
    app, client, author, secretariat, make_proposal
):
    proposal_id = make_proposal(author, complete=False)
    with app.app_context():
        # A state the workflow never reaches (submission needs a complete proposal), as legacy
        # data may hold: the checklist still says what the system finds.
        proposal = db.session.get(Proposal, proposal_id)
        proposal.status = "screening"
        proposal.submission_number = 1
        db.session.commit()
    criteria = _criteria(app, proposal_id)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        suggested = operations.prefill(proposal, proposal_operations.rules_from_config(app.config))
    assert {result for result, _ in suggested.values()} == {"fail"}
    _, note = suggested[criteria["joint_programme"]]
    assert "Choose the lead (convening) UN entity." in note
    assert "at least two participating UN organizations" in note
    assert suggested[criteria["duration"]] == ("fail", "Give the duration in months.")

    html = client.get(f"/screening/{proposal_id}").get_data(as_text=True)
    assert _checked(html, criteria["duration"]) == "fail"
    assert "The system found: Give the duration in months." in html
    assert (
        f'name="note_{criteria["duration"]}" rows="2">Give the duration in months.</textarea>'
        in html
    )


def test_saving_checks_is_audited_and_kept_per_submission(
    app, backend, client, author, secretariat, make_proposal
):
    proposal_id = make_proposal(author, status="screening")
    criteria = _criteria(app, proposal_id)
    results = _all(criteria)
    results[criteria["markers"]] = ("not_applicable", "Markers checked by the gender team.")
    results[criteria["duration"]] = ("fail", "Forty months is too long.")

    response = _post_checks(client, app, proposal_id, results)
    assert response.status_code == 302
    saved = _checks(app, proposal_id)
    assert len(saved) == len(DEFAULT_CODES)
    assert {version for version, *_ in saved} == {1}
    assert (1, criteria["duration"], "fail", "Forty months is too long.") in saved
    (recorded,) = audit_events(app, "screening_recorded", proposal_id)
    assert recorded.actor_id == secretariat.id
    assert recorded.details["submission"] == 1
    assert recorded.details["results"]["duration"] == {
        "result": "fail",
        "note": "Forty months is too long.",
    }
    assert recorded.details["results"]["markers"]["result"] == "not_applicable"
    with app.app_context():
        check = db.session.scalar(
            select(ScreeningCheck).where(ScreeningCheck.criterion_id == criteria["duration"])
        )
        assert check.checked_by_id == secretariat.id and check.checked_at is not None

    # The page now shows what was recorded, not the system's suggestion.
    html = client.get(f"/screening/{proposal_id}").get_data(as_text=True)
    assert _checked(html, criteria["duration"]) == "fail"
    assert f"{len(DEFAULT_CODES)} of {len(DEFAULT_CODES)} criteria recorded" in html

    # Saving the same again changes nothing and writes no event; a correction is audited.
    assert _post_checks(client, app, proposal_id, results).status_code == 302
    assert len(audit_events(app, "screening_recorded", proposal_id)) == 1
    results[criteria["duration"]] = ("pass", "24 months after all.")
    assert _post_checks(client, app, proposal_id, results).status_code == 302
    events = audit_events(app, "screening_recorded", proposal_id)
    assert len(events) == 2
    assert events[1].details["results"] == {
        "duration": {"result": "pass", "note": "24 months after all."}
    }
    assert len(_checks(app, proposal_id)) == len(DEFAULT_CODES)


def test_a_fail_without_a_note_is_refused_and_nothing_is_saved(
    app, backend, client, author, secretariat, make_proposal
):
    proposal_id = make_proposal(author, status="screening")
    criteria = _criteria(app, proposal_id)
    results = _all(criteria)
    results[criteria["endorsement"]] = ("fail", "   ")
    results[criteria["objectives"]] = ("fail", "Objective 24 does not exist.")

    response = _post_checks(client, app, proposal_id, results)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    note_id = f"note_{criteria['endorsement']}"
    assert f'<p class="error-message" id="{note_id}-error">Say why it fails' in html
    assert f'href="#{note_id}"' in html  # the error summary links to the note
    assert "Objective 24 does not exist.</textarea>" in html  # the other input is kept
    assert _checked(html, criteria["endorsement"]) == "fail"
    assert _checks(app, proposal_id) == []
    assert audit_events(app, "screening_recorded") == []


def test_a_note_without_a_result_is_refused(app, client, author, secretariat, make_proposal):
    proposal_id = make_proposal(author, status="screening")
    criteria = _criteria(app, proposal_id)
    results = _all(criteria)
    results[criteria["markers"]] = ("", "Unsure about this one.")
    response = _post_checks(client, app, proposal_id, results)
    assert response.status_code == 400
    assert "Choose pass, fail or not applicable." in response.get_data(as_text=True)
    assert _checks(app, proposal_id) == []


def test_checks_are_refused_outside_screening(app, client, author, secretariat, make_proposal):
    proposal_id = make_proposal(author, status="submitted")
    criteria = _criteria(app, proposal_id)
    page = client.get(f"/screening/{proposal_id}").get_data(as_text=True)
    assert "checks are recorded only while a proposal is in screening" in page
    assert ">Start screening<" in page

    response = _post_checks(client, app, proposal_id, _all(criteria))
    assert response.status_code == 400
    assert "only while the proposal is in screening" in response.get_data(as_text=True)
    assert _checks(app, proposal_id) == []


def test_stale_checklist_is_refused_with_409(app, client, author, secretariat, make_proposal):
    proposal_id = make_proposal(author, status="screening")
    criteria = _criteria(app, proposal_id)
    token = csrf_token(client, f"/screening/{proposal_id}")
    version = _proposal(app, proposal_id)[1]
    data = {"csrf_token": token, "version": str(version - 1 or 99)}
    data.update({f"result_{cid}": "pass" for cid in criteria.values()})
    response = client.post(f"/screening/{proposal_id}", data=data)
    assert response.status_code == 409
    assert "changed since you opened the page" in response.get_data(as_text=True)
    assert _checks(app, proposal_id) == []


# The decisions --------------------------------------------------------------------------


def test_forward_is_refused_until_every_criterion_passes(
    app, backend, client, author, secretariat, make_proposal
):
    proposal_id = make_proposal(author, status="screening")
    criteria = _criteria(app, proposal_id)
    labels = {}
    with app.app_context():
        for c in db.session.scalars(select(ScreeningCriterion)):
            labels[c.code] = c.label

    # Nothing recorded: every criterion is listed.
    refused = _act(client, app, proposal_id, "forward_to_committee")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "The action was not taken" in html
    assert html.count("Not checked yet for submission 1:") == len(DEFAULT_CODES)

    results = _all(criteria)
    results[criteria["markers"]] = ("not_applicable", "")
    results[criteria["budget_limits"]] = ("fail", "Indirect costs at 9%.")
    _post_checks(client, app, proposal_id, results)
    refused = _act(client, app, proposal_id, "forward_to_committee", "For the next meeting.")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Failed: Budget within the call&#39;s limits" in html
    assert "Indirect costs at 9%." in html
    assert "Not checked yet" not in html
    assert "For the next meeting.</textarea>" in html  # the typed comment is kept
    assert _proposal(app, proposal_id)[0] == "screening"
    assert audit_events(app, "forward_to_committee") == []

    results[criteria["budget_limits"]] = ("pass", "Corrected reading: 7%.")
    _post_checks(client, app, proposal_id, results)
    response = _act(client, app, proposal_id, "forward_to_committee")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/screening/")
    assert _proposal(app, proposal_id)[0] == "committee_review"
    (forwarded,) = audit_events(app, "forward_to_committee", proposal_id)
    assert (forwarded.from_state, forwarded.to_state) == ("screening", "committee_review")
    assert forwarded.actor_id == secretariat.id
    queue = client.get("/screening/").get_data(as_text=True)
    assert "was forwarded to the Executive Committee" in queue


def test_stale_action_is_refused_with_409(app, backend, client, author, secretariat, make_proposal):
    proposal_id = make_proposal(author, status="screening")
    criteria = _criteria(app, proposal_id)
    _post_checks(client, app, proposal_id, _all(criteria))
    version = _proposal(app, proposal_id)[1]
    response = _act(client, app, proposal_id, "forward_to_committee", version=version + 1)
    assert response.status_code == 409
    assert "changed since you opened the page" in response.get_data(as_text=True)
    assert _proposal(app, proposal_id)[0] == "screening"


def test_return_for_revision_needs_a_message(app, client, author, secretariat, make_proposal):
    proposal_id = make_proposal(author, status="screening")
    refused = _act(client, app, proposal_id, "return_for_revision", "  ")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Write the message to the applicant" in html
    assert 'href="#comment-return_for_revision"' in html
    assert _proposal(app, proposal_id)[0] == "screening"

    response = _act(client, app, proposal_id, "return_for_revision", "Attach Chile's letter.")
    assert response.status_code == 302
    assert _proposal(app, proposal_id)[0] == "returned"
    (returned,) = audit_events(app, "return_for_revision", proposal_id)
    assert returned.comment == "Attach Chile's letter."


def test_declare_ineligible_needs_a_reason_and_a_recorded_screening(
    app, backend, client, author, secretariat, make_proposal
):
    proposal_id = make_proposal(author, status="screening")
    criteria = _criteria(app, proposal_id)

    refused = _act(client, app, proposal_id, "declare_ineligible", "Only one UN entity.")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Record every criterion before declaring the proposal ineligible" in html
    assert "Only one UN entity.</textarea>" in html
    assert _proposal(app, proposal_id)[0] == "screening"

    results = _all(criteria)
    results[criteria["joint_programme"]] = ("fail", "Only one UN entity.")
    _post_checks(client, app, proposal_id, results)
    refused = _act(client, app, proposal_id, "declare_ineligible", "")
    assert refused.status_code == 400
    assert "Give the reason why the proposal is ineligible." in refused.get_data(as_text=True)
    assert _proposal(app, proposal_id)[0] == "screening"

    response = _act(client, app, proposal_id, "declare_ineligible", "Only one UN entity.")
    assert response.status_code == 302
    assert _proposal(app, proposal_id)[0] == "ineligible"
    (declared,) = audit_events(app, "declare_ineligible", proposal_id)
    assert declared.comment == "Only one UN entity."


def test_a_new_submission_needs_its_own_checks(
    app, backend, client, author, secretariat, make_proposal
):
    proposal_id = make_proposal(author, status="screening")
    criteria = _criteria(app, proposal_id)
    _post_checks(client, app, proposal_id, _all(criteria))
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert screening_passed(proposal, None, {}) == []
        # Returned, revised and submitted again: the screening starts afresh.
        staff, applicant = db.session.get(User, secretariat.id), db.session.get(User, author.id)
        proposal_operations.fire(proposal, "return_for_revision", staff, comment="Revise.")
        proposal.summary = "Decent work for migrant workers, revised."
        proposal_operations.fire(proposal, "submit", applicant)
        proposal_operations.fire(proposal, "start_screening", staff)
        db.session.commit()
        assert len(screening_recorded(proposal, None, {})) == len(DEFAULT_CODES)
        problems = screening_passed(proposal, None, {})
        assert len(problems) == len(DEFAULT_CODES)
        assert all(p.startswith("Not checked yet for submission 2:") for p in problems)

    html = client.get(f"/screening/{proposal_id}").get_data(as_text=True)
    assert (
        "Checklist for submission 2" in html
        and f"0 of {len(DEFAULT_CODES)} criteria recorded" in html
    )
    assert _act(client, app, proposal_id, "forward_to_committee").status_code == 400

    _post_checks(client, app, proposal_id, _all(criteria))
    assert {version for version, *_ in _checks(app, proposal_id)} == {1, 2}
    assert _act(client, app, proposal_id, "forward_to_committee").status_code == 302
    assert _proposal(app, proposal_id)[0] == "committee_review"


def test_the_gates_stay_closed_without_criteria(app, author, create_user, make_proposal):
    secretariat = create_user(roles=("secretariat",), organization_acronym="IOM")
    proposal_id = make_proposal(author, status="screening")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert "has no active screening criteria" in screening_passed(proposal, None, {})[0]
        assert "has no active screening criteria" in screening_recorded(proposal, None, {})[0]
        actor = db.session.get(User, secretariat.id)
        with pytest.raises(operations.ScreeningError):
            operations.record_checks(db.session.get(Proposal, proposal_id), author, {})
        with pytest.raises(TransitionRefused) as refused:
            proposal_operations.fire(proposal, "forward_to_committee", actor)
        assert refused.value.guard == "screening_passed"


# The criteria ---------------------------------------------------------------------------


def test_criteria_editing(app, client, author, secretariat, make_proposal, open_call):
    proposal_id = make_proposal(author, status="screening")
    page = client.get(f"/screening/calls/{open_call}/criteria")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('name="operation" value="deactivate"') == len(
        DEFAULT_CODES
    )
    criteria = _criteria(app, proposal_id)
    token = csrf_token(client, "/screening/")
    url = f"/screening/calls/{open_call}/criteria"

    empty = client.post(url, data={"csrf_token": token, "label": "  "})
    assert empty.status_code == 400
    assert "Describe the criterion." in empty.get_data(as_text=True)

    added = client.post(url, data={"csrf_token": token, "label": "Risk assessment attached"})
    assert added.status_code == 302
    with app.app_context():
        new = db.session.scalar(
            select(ScreeningCriterion).where(ScreeningCriterion.label == "Risk assessment attached")
        )
        new_id, new_code, new_position = new.id, new.code, new.position
        assert new.automatic is None and new.active
    assert new_code == "risk_assessment_attached" and new_position == len(DEFAULT_CODES) + 1
    (event_added,) = audit_events(app, "screening_criterion_added", open_call)
    assert event_added.subject_type == "call"
    assert event_added.details["label"] == "Risk assessment attached"

    duplicate = client.post(url, data={"csrf_token": token, "label": "risk assessment ATTACHED"})
    assert duplicate.status_code == 400
    assert "already has a criterion" in duplicate.get_data(as_text=True)

    # The new criterion is required: all seven defaults passing is not enough.
    _post_checks(client, app, proposal_id, _all(criteria))
    assert _act(client, app, proposal_id, "forward_to_committee").status_code == 400

    off = client.post(
        url, data={"csrf_token": token, "criterion_id": new_id, "operation": "deactivate"}
    )
    assert off.status_code == 302
    (deactivated,) = audit_events(app, "screening_criterion_deactivated", open_call)
    assert deactivated.details["criterion"] == new_id
    html = client.get(f"/screening/{proposal_id}").get_data(as_text=True)
    assert "Risk assessment attached</legend>" not in html  # inactive: not on the checklist

    # An inactive criterion is not required.
    assert _act(client, app, proposal_id, "forward_to_committee").status_code == 302
    assert _proposal(app, proposal_id)[0] == "committee_review"

    on = client.post(
        url, data={"csrf_token": token, "criterion_id": new_id, "operation": "activate"}
    )
    assert on.status_code == 302
    assert len(audit_events(app, "screening_criterion_activated", open_call)) == 1


def test_the_queue_promises_the_default_criteria_only_to_a_call_without_any(
    app, client, secretariat, open_call
):
    """The queue's list of calls: a call with no criterion takes the defaults on first use
    (`ensure_criteria`); one whose criteria are all inactive is told so, never promised the
    defaults it will not get."""
    with app.app_context():
        title = db.session.get(Call, open_call).title

    def note() -> str:
        page = html.unescape(client.get("/screening/").get_data(as_text=True))
        return page.split(f">{title}</a>")[1].split("</li>")[0]

    assert "the fund's default criteria, created on first use" in note()
    with app.app_context():
        criteria = operations.ensure_criteria(db.session.get(Call, open_call))
        for criterion in criteria:
            criterion.active = False
        db.session.commit()
    assert "no active criterion" in note()
    assert "created on first use" not in note()


def test_seeded_criteria_read_in_the_page_s_language_written_ones_as_written(
    app, client, author, secretariat, make_proposal, open_call
):
    """The seeded criteria's labels are in the catalogs (babel.cfg reads the seed CSV); one
    the secretariat writes is shown as written: never a format string, never markup."""
    proposal_id = make_proposal(author, status="screening")
    url = f"/screening/calls/{open_call}/criteria"
    written = "50% of <b>costs</b> justified"
    added = client.post(url, data={"csrf_token": csrf_token(client, url), "label": written})
    assert added.status_code == 302
    for path in (f"{url}?lang=es", f"/screening/{proposal_id}?lang=es"):
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        assert "Duración dentro de los límites de la convocatoria" in html, path
        assert "Duration within the call's limits" not in html, path
        assert "50% of &lt;b&gt;costs&lt;/b&gt; justified" in html, path
        assert "<b>costs</b>" not in html, path
    english = client.get(f"/screening/{proposal_id}?lang=en").get_data(as_text=True)
    assert "Duration within the call&#39;s limits" in english
    client.get("/?lang=es")
    refused = _act(client, app, proposal_id, "forward_to_committee")
    assert refused.status_code == 400
    said = refused.get_data(as_text=True)
    assert "Duración dentro de los límites de la convocatoria" in said
    assert "Duration within the call" not in said


def test_a_criterion_with_checks_cannot_be_removed(
    app, client, author, secretariat, make_proposal, open_call
):
    proposal_id = make_proposal(author, status="screening")
    criteria = _criteria(app, proposal_id)
    _post_checks(client, app, proposal_id, {criteria["duration"]: ("pass", "")})
    token = csrf_token(client, "/screening/")
    url = f"/screening/calls/{open_call}/criteria"

    refused = client.post(
        url,
        data={"csrf_token": token, "criterion_id": criteria["duration"], "operation": "remove"},
    )
    assert refused.status_code == 400
    assert "deactivate it instead" in refused.get_data(as_text=True)
    removed = client.post(
        url,
        data={"csrf_token": token, "criterion_id": criteria["markers"], "operation": "remove"},
    )
    assert removed.status_code == 302
    with app.app_context():
        codes = set(db.session.scalars(select(ScreeningCriterion.code)))
        count = db.session.scalar(select(func.count()).select_from(ScreeningCriterion))
    assert "duration" in codes and "markers" not in codes and count == len(DEFAULT_CODES) - 1
    assert len(audit_events(app, "screening_criterion_removed", open_call)) == 1


def test_ensure_criteria_is_idempotent(app, open_call, tmp_path):
    (tmp_path / "screening_criteria.csv").write_text(
        "code,label,automatic\nfirst,First criterion,\nsecond,Second one,duration\n",
        encoding="utf-8",
    )
    from fund.calls.models import Call

    with app.app_context():
        call = db.session.get(Call, open_call)
        created = operations.ensure_criteria(call, seed_dir=tmp_path)
        again = operations.ensure_criteria(call, seed_dir=tmp_path)
        db.session.commit()
        assert [c.id for c in created] == [c.id for c in again]
        assert [(c.code, c.position, c.automatic) for c in again] == [
            ("first", 1, None),
            ("second", 2, "duration"),
        ]
        assert db.session.scalar(select(func.count()).select_from(ScreeningCriterion)) == 2


# Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["applicant", "committee", "admin"])
def test_only_the_secretariat_screens(
    app, client, login_as, author, make_proposal, role, open_call
):
    proposal_id = make_proposal(author, status="submitted")
    login_as(role, organization_acronym="ILO")
    for path in (
        "/screening/",
        f"/screening/{proposal_id}",
        f"/screening/calls/{open_call}/criteria",
    ):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/password")
    version = _proposal(app, proposal_id)[1]
    start = client.post(
        f"/screening/{proposal_id}/start", data={"csrf_token": token, "version": version}
    )
    assert start.status_code == 403
    assert _proposal(app, proposal_id)[0] == "submitted"
    assert "/screening/" not in client.get("/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client, author, make_proposal, open_call):
    proposal_id = make_proposal(author, status="screening")
    for path in (
        "/screening/",
        f"/screening/{proposal_id}",
        f"/screening/calls/{open_call}/criteria",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]


def test_the_secretariat_sees_screening_in_the_navigation(client, secretariat):
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/screening/">Screening</a>' in html


# The results framework criterion ----------------------------------------------------------


def _results_finding(app, proposal_id: int) -> tuple[list[str], tuple[str, str]]:
    """The system's finding on the results framework, and the checklist's suggestion for it."""
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        criteria = {c.code: c.id for c in operations.ensure_criteria(proposal.call)}
        rules = proposal_operations.rules_from_config(app.config)
        suggested = operations.prefill(proposal, rules)
        return results_framework_problems(proposal), suggested[criteria["results_framework"]]


def _framework(app, proposal_id: int, build) -> None:
    """Replace the proposal's results framework by what `build(proposal)` adds."""
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.outcomes.clear()
        db.session.flush()
        build(proposal)
        db.session.commit()


def test_results_framework_criterion_is_a_default_of_full_proposals_only(app, open_call):
    with app.app_context():
        defaults = {row["code"]: row for row in operations.default_criteria()}
    row = defaults["results_framework"]
    assert (row["automatic"], row["stage"]) == ("results_framework", "full_proposal")
    assert "baseline and a target for the primary objective" in row["label"]


def test_results_framework_passes_with_an_indicator_with_baseline_and_target(
    app, author, make_proposal
):
    proposal_id = make_proposal(author, status="screening")  # the factories' framework
    assert _results_finding(app, proposal_id) == ([], ("pass", ""))

    # A yearly target is enough, without an end target; and so is an end target alone.
    _framework(
        app,
        proposal_id,
        lambda p: add_indicator(add_outcome(p, objectives=(6,)), end_target=None),
    )
    assert _results_finding(app, proposal_id)[1] == ("pass", "")
    _framework(
        app, proposal_id, lambda p: add_indicator(add_outcome(p, objectives=(6,)), targets={})
    )
    assert _results_finding(app, proposal_id)[1] == ("pass", "")


def test_results_framework_fails_without_an_outcome_for_the_primary_objective(
    app, author, make_proposal
):
    proposal_id = make_proposal(author, status="screening")
    _framework(app, proposal_id, lambda p: None)
    message = "No outcome of the results framework maps to the primary objective (objective 6)."
    assert _results_finding(app, proposal_id) == ([message], ("fail", message))

    # An outcome of a secondary objective does not count, however complete.
    _framework(app, proposal_id, lambda p: add_indicator(add_outcome(p, objectives=(18,))))
    assert _results_finding(app, proposal_id)[0] == [message]


def test_results_framework_fails_without_baseline_or_target(app, author, make_proposal):
    proposal_id = make_proposal(author, status="screening")

    def without_baseline(proposal):
        outcome = add_outcome(proposal, objectives=(6, 18))
        add_indicator(outcome, baseline=None)
        # A baseline value without its year is no baseline.
        add_indicator(outcome, baseline_year=None)

    _framework(app, proposal_id, without_baseline)
    (problem,) = _results_finding(app, proposal_id)[0]
    assert "has a baseline (value and year)" in problem

    _framework(
        app,
        proposal_id,
        lambda p: add_indicator(add_outcome(p, objectives=(6,)), end_target=None, targets={}),
    )
    (problem,) = _results_finding(app, proposal_id)[0]
    assert "with a baseline has a target (an end target or a yearly target)" in problem

    # Another indicator of the same outcome with a baseline and a target is enough.
    def one_complete(proposal):
        outcome = add_outcome(proposal, objectives=(6,))
        add_indicator(outcome, baseline=None)
        add_indicator(outcome)

    _framework(app, proposal_id, one_complete)
    assert _results_finding(app, proposal_id)[0] == []


def test_results_framework_is_shown_on_the_checklist(
    app, client, author, secretariat, make_proposal
):
    proposal_id = make_proposal(author, status="screening")
    _framework(app, proposal_id, lambda p: None)
    criteria = _criteria(app, proposal_id)
    html = client.get(f"/screening/{proposal_id}").get_data(as_text=True)
    assert _checked(html, criteria["results_framework"]) == "fail"
    assert "The system found: No outcome of the results framework maps to the primary" in html
    assert _checked(html, criteria["duration"]) == "pass"


def test_a_concept_note_is_not_asked_for_a_results_framework(app, create_user):
    from tests.test_concept_notes import new_concept_note

    owner = create_user(roles=("applicant",), organization_acronym="ILO")
    with app.app_context():
        call = new_open_call(title="Concept notes first", stage="concept_note_first")
        note = new_concept_note(owner, call.id)
        rules = proposal_operations.rules_from_config(app.config)
        assert "results_framework" not in automatic_findings(note, rules)
        codes = {c.code for c in operations.ensure_criteria(call, stage="concept_note")}
        assert "results_framework" not in codes


def test_a_call_made_before_a_new_default_criterion_can_take_it(
    app, client, author, secretariat, make_proposal, open_call
):
    proposal_id = make_proposal(author, status="screening")
    criteria = _criteria(app, proposal_id)
    with app.app_context():
        # A call whose checklist was made before the fund had the results criterion, as an
        # older database holds it.
        db.session.delete(db.session.get(ScreeningCriterion, criteria["results_framework"]))
        db.session.commit()
    url = f"/screening/calls/{open_call}/criteria"
    page = client.get(url).get_data(as_text=True)
    assert "The fund's default criteria this call lacks" in page
    assert 'name="default_code" value="results_framework"' in page

    token = csrf_token(client, "/screening/")
    added = client.post(url, data={"csrf_token": token, "default_code": "results_framework"})
    assert added.status_code == 302
    with app.app_context():
        new = db.session.scalar(
            select(ScreeningCriterion).where(
                ScreeningCriterion.call_id == open_call,
                ScreeningCriterion.code == "results_framework",
            )
        )
        assert (new.automatic, new.active, new.stage) == (
            "results_framework",
            True,
            "full_proposal",
        )
        assert new.position == len(DEFAULT_CODES)
    (event,) = audit_events(app, "screening_criterion_added", open_call)
    assert event.details["code"] == "results_framework" and event.details["default"] is True
    assert "The fund's default criteria this call lacks" not in client.get(url).get_data(
        as_text=True
    )

    again = client.post(url, data={"csrf_token": token, "default_code": "results_framework"})
    assert again.status_code == 400
    assert "already has that criterion" in again.get_data(as_text=True)
    unknown = client.post(url, data={"csrf_token": token, "default_code": "no_such_thing"})
    assert unknown.status_code == 400
