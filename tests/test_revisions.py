"""Revisions of funded programmes: the routing rule table (each trigger, its boundary values),
the 30-day rule, the secretariat's path (approve, return, reject), what an approved revision
changes (the version and its diff, the reporting schedule, the coverage totals, the allocation
left as it was, the IATI activity's planned end), the committee's path through a voting round,
and the pages with bad input."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import func, select

from fund import caches
from fund.accounts.models import User
from fund.audit.models import AuditEvent
from fund.committee import operations as committee_operations
from fund.committee.models import VotingRound
from fund.days import add_months, last_day
from fund.extensions import db
from fund.proposals.models import BudgetLine, Proposal, ProposalVersion
from fund.proposals.snapshots import diff_snapshots
from fund.reporting.models import ProgrammeReport
from fund.revisions import operations, rules
from fund.revisions.models import Revision
from fund.revisions.operations import LineValues, RevisionRefused, RevisionValues
from fund.revisions.workflow import programme_end
from tests.conftest import PreparedDatabase, engine_of
from tests.factories import funded_programme
from tests.helpers import client_for, csrf_token, form_keys, login, org_id, user
from tests.test_finance_race import run_together

D = Decimal
CONFIG = {"REVISION_COMMITTEE_EXTENSION_MONTHS": 6, "REVISION_CATEGORY_CHANGE_SHARE": D("0.20")}
BEFORE = {1: D("600000"), 4: D("400000")}


# The rule table -------------------------------------------------------------------------------


def _route(**change):
    return rules.route(rules.Change(categories_before=BEFORE, **change), CONFIG)


def test_an_extension_of_six_months_is_the_secretariats_and_seven_the_committees():
    assert _route(months_moved=6).approver == rules.SECRETARIAT
    found = _route(months_moved=7)
    assert found.approver == rules.COMMITTEE
    assert found.reasons == ("the end date moves 7 months (more than 6 months)",)
    assert found.sentence == (
        "Goes to the committee: the end date moves 7 months (more than 6 months)."
    )
    longer = rules.route(rules.Change(months_moved=7), {"REVISION_COMMITTEE_EXTENSION_MONTHS": 9})
    assert longer.approver == rules.SECRETARIAT


def test_a_category_moving_twenty_percent_is_the_secretariats_and_more_the_committees():
    exactly = {1: D("400000"), 4: D("600000")}  # 200,000 of 1,000,000 moved
    assert _route(categories_after=exactly).approver == rules.SECRETARIAT
    above = {1: D("399999.99"), 4: D("600000.01")}
    found = _route(categories_after=above, category_names={1: "Staff", 4: "Contractual"})
    assert found.approver == rules.COMMITTEE
    assert len(found.reasons) == 1
    assert "“1. Staff” changes by 20% of the programme's budget (more than 20%)" in found.reasons[0]
    new_category = {1: D("500000"), 4: D("250000"), 5: D("250000")}  # 25% into travel
    assert "“5. category” changes by 25%" in _route(categories_after=new_category).reasons[0]


def test_a_higher_total_goes_to_the_committee_a_lower_one_does_not():
    higher = _route(categories_after={1: D("600000"), 4: D("400000.01")})
    assert higher.approver == rules.COMMITTEE
    assert higher.reasons == ("the total budget rises by USD 0.01",)
    assert _route(categories_after={1: D("600000"), 4: D("300000")}).approver == "secretariat"


def test_a_change_of_participating_organizations_goes_to_the_committee():
    same = _route(
        participants_before=frozenset({"ILO", "IOM"}), participants_after=frozenset({"IOM", "ILO"})
    )
    assert same.approver == rules.SECRETARIAT
    changed = _route(
        participants_before=frozenset({"ILO", "IOM"}), participants_after=frozenset({"ILO", "UNDP"})
    )
    assert changed.reasons == (
        "the participating organizations change (joining UNDP; leaving IOM)",
    )


def test_every_reason_that_triggered_is_recorded_in_the_tables_order():
    found = _route(
        months_moved=8,
        categories_after={1: D("100000"), 4: D("1000000")},
        participants_before=frozenset({"ILO"}),
        participants_after=frozenset({"IOM"}),
    )
    assert [reason.split(" ")[1] for reason in found.reasons] == [
        "end",
        "budget",
        "total",
        "participating",
    ]
    assert _route().sentence == "The secretariat decides: no change needs the committee."


# The programme and its people -----------------------------------------------------------------


@pytest.fixture(scope="module")
def prepared_programme(request) -> PreparedDatabase:
    """`funded_programme` made once per engine; each test starts from a copy."""
    return PreparedDatabase(request, funded_programme)


@pytest.fixture
def programme(request, prepared_programme):
    """A funded ILO-IOM programme (24 months from 60 days from now, USD 1,000,000 of direct
    costs: ILO 600,000 in category 1, IOM 400,000 in category 4); its people."""
    return dict(prepared_programme.data(engine_of(request)))


def _end(proposal_id: int):
    return programme_end(db.session.get(Proposal, proposal_id))


def _month_end(proposal_id: int, months: int):
    start, _ = _end(proposal_id)
    return add_months(start, months) - timedelta(days=1)


def _draft(programme, values: RevisionValues, who: str = "ilo", now=None) -> int:
    revision = operations.start(user(programme[who]), programme["proposal"], now=now)
    operations.save(user(programme[who]), revision.id, values, now=now)
    db.session.commit()
    return revision.id


def _extension(programme, months: int, **values) -> RevisionValues:
    return RevisionValues(
        justification="Elections delayed the work.",
        extension=True,
        new_end_date=_month_end(programme["proposal"], months),
        **values,
    )


def _lines(programme, moved: Decimal) -> list[LineValues]:
    return [
        LineValues(org_id("ILO"), 6, 1, D("600000") - moved),
        LineValues(org_id("IOM"), 18, 4, D("400000") + moved, year=2),
    ]


# The 30-day rule ------------------------------------------------------------------------------


def test_a_revision_is_requested_at_least_thirty_days_before_the_end(app, programme):
    with app.app_context():
        _, end = _end(programme["proposal"])
        last_day = datetime.combine(end - timedelta(days=30), time(12), UTC)
        with pytest.raises(RevisionRefused, match="at least 30 days before"):
            operations.start(
                user(programme["ilo"]), programme["proposal"], last_day + timedelta(days=1)
            )
        db.session.rollback()
        revision_id = _draft(programme, _extension(programme, 26), now=last_day - timedelta(days=1))
        with pytest.raises(RevisionRefused, match="the last day to request one was"):
            operations.fire(
                user(programme["ilo"]), revision_id, "submit", now=last_day + timedelta(days=1)
            )
        db.session.rollback()
        operations.fire(user(programme["ilo"]), revision_id, "submit", now=last_day)
        db.session.commit()
        assert db.session.get(Revision, revision_id).status == "submitted"


def test_the_revision_page_says_why_it_can_no_longer_be_submitted(app, programme, monkeypatch):
    """Past the last day to request a revision, the submission the guard would refuse is not
    offered: the page says why, as the refusal does."""
    with app.app_context():
        _, end = _end(programme["proposal"])
        last_day = datetime.combine(end - timedelta(days=30), time(12), UTC)
        revision_id = _draft(programme, _extension(programme, 26), now=last_day - timedelta(days=1))
    ilo = client_for(app, programme["ilo"])
    monkeypatch.setattr("fund.revisions.views.utcnow", lambda: last_day)
    assert "Submit the revision" in ilo.get(f"/revisions/{revision_id}").get_data(as_text=True)
    monkeypatch.setattr("fund.revisions.views.utcnow", lambda: last_day + timedelta(days=1))
    page = html.unescape(ilo.get(f"/revisions/{revision_id}").get_data(as_text=True))
    assert "Submit the revision" not in page
    assert "the last day to request one was" in page


# The secretariat's path -----------------------------------------------------------------------


def test_a_minor_extension_approved_makes_a_version_and_moves_the_schedule(app, programme):
    with app.app_context():
        proposal_id = programme["proposal"]
        _, old_end = _end(proposal_id)
        due_before = {
            (r.kind, r.period_start): r.due_on
            for r in db.session.scalars(
                select(ProgrammeReport).where(ProgrammeReport.proposal_id == proposal_id)
            )
        }
        revision_id = _draft(programme, _extension(programme, 30), who="iom")
        operations.fire(user(programme["iom"]), revision_id, "submit")
        db.session.commit()
        revision = db.session.get(Revision, revision_id)
        assert (revision.approver, revision.reasons) == ("secretariat", [])
        with pytest.raises(RevisionRefused, match="nothing in it needs the committee"):
            operations.fire(user(programme["secretariat"]), revision_id, "forward")
        db.session.rollback()
        number_before = db.session.get(Proposal, proposal_id).submission_number
        operations.fire(user(programme["secretariat"]), revision_id, "approve", "Agreed.")
        db.session.commit()

        proposal = db.session.get(Proposal, proposal_id)
        revision = db.session.get(Revision, revision_id)
        assert revision.status == "approved"
        assert proposal.status == "funded"
        assert proposal.duration_months == 30
        assert _end(proposal_id)[1] == add_months(old_end + timedelta(days=1), 6) - timedelta(
            days=1
        )
        assert revision.version_number == proposal.submission_number == number_before + 1
        versions = {
            v.number: v.snapshot
            for v in db.session.scalars(
                select(ProposalVersion).where(ProposalVersion.proposal_id == proposal_id)
            )
        }
        changes = diff_snapshots(versions[number_before], versions[number_before + 1])
        assert [(c.key, c.before, c.after) for c in changes] == [("duration_months", 24, 30)]
        assert revision.applied["changed"] == ["Duration (months)"]

        reports = db.session.scalars(
            select(ProgrammeReport).where(ProgrammeReport.proposal_id == proposal_id)
        ).all()
        final = {r.kind: r for r in reports if r.kind.startswith("final")}
        assert final["final_narrative"].period_end == _end(proposal_id)[1]
        assert (
            final["final_narrative"].due_on
            > due_before[("final_narrative", final["final_narrative"].period_start)]
        )
        assert revision.applied["reports"]
        new_end = _end(proposal_id)[1]
        assert revision.applied["end_date"]["after"] == f"{new_end.day} {new_end:%B %Y}"
    # The revision's page says what the approval changed in its reader's language.
    page = client_for(app, programme["secretariat"]).get(f"/revisions/{revision_id}?lang=fr")
    text = html.unescape(page.get_data(as_text=True))
    assert f"Date de fin\u00a0: {old_end.day} " in text and f"{new_end.day} " in text, text[:3000]
    assert "Calendrier des transferts\u00a0: planifié à nouveau (" in text
    assert "no longer due" not in text and "planned again" not in text and " now " not in text
    with app.app_context():
        assert "revision_applied" in {
            e.action
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.subject_type == "proposal")
            )
        }


def test_an_end_date_must_be_later_and_end_a_month_of_the_programme(app, programme):
    with app.app_context():
        revision = operations.start(user(programme["ilo"]), programme["proposal"])
        _, end = _end(programme["proposal"])
        for new_end, message in (
            (end, "later than"),
            (end + timedelta(days=3), "runs in whole months"),
        ):
            values = RevisionValues(justification="x", extension=True, new_end_date=new_end)
            with pytest.raises(RevisionRefused, match=message) as refused:
                operations.save(user(programme["ilo"]), revision.id, values)
            assert refused.value.field == "new_end_date"


def test_the_secretariat_returns_and_rejects_with_a_comment_only(app, programme):
    with app.app_context():
        revision_id = _draft(programme, _extension(programme, 27))
        operations.fire(user(programme["ilo"]), revision_id, "submit")
        db.session.commit()
        with pytest.raises(RevisionRefused) as refused:
            operations.fire(user(programme["secretariat"]), revision_id, "return_for_changes", " ")
        assert refused.value.field == "comment"
        db.session.rollback()
        operations.fire(user(programme["secretariat"]), revision_id, "return_for_changes", "Why?")
        operations.save(user(programme["ilo"]), revision_id, _extension(programme, 28))
        operations.fire(user(programme["ilo"]), revision_id, "submit")
        operations.fire(user(programme["secretariat"]), revision_id, "reject", "Not now.")
        db.session.commit()
        revision = db.session.get(Revision, revision_id)
        assert (revision.status, revision.comment) == ("rejected", "Not now.")
        assert db.session.get(Proposal, programme["proposal"]).duration_months == 24


def test_a_revision_returned_waits_on_the_home_of_every_organization_that_may_finish_it(
    app, programme
):
    """ILO started it, IOM takes part and may change and submit it too: both Homes count it
    among the revisions to finish."""
    with app.app_context():
        revision_id = _draft(programme, _extension(programme, 27))
        operations.fire(user(programme["ilo"]), revision_id, "submit")
        operations.fire(user(programme["secretariat"]), revision_id, "return_for_changes", "Why?")
        db.session.commit()
        assert (
            operations.refusal_to_edit(
                user(programme["iom"]), db.session.get(Revision, revision_id)
            )
            is None
        )
    for who in ("ilo", "iom"):
        home = client_for(app, programme[who]).get("/").get_data(as_text=True)
        waiting = re.search(r'data-task="revisions_open"[^>]*>.*?(\d+)</span>', home, re.S)
        assert waiting is not None and waiting.group(1) == "1", who
        assert f"/revisions/{revision_id}" in home, who


def test_who_works_on_a_programme_reads_the_same_in_python_and_in_sql(app, programme):
    from fund.accounts.models import Organization
    from fund.reporting.queries import works_on_programme
    from fund.reporting.workflow import programme_organizations

    with app.app_context():
        proposal_id = programme["proposal"]
        # UNDP takes part without a share of the allocation: it works on the programme too.
        proposal = db.session.get(Proposal, proposal_id)
        proposal.participants.append(db.session.get(Organization, org_id("UNDP")))
        db.session.flush()
        everyone = db.session.scalars(select(Organization.id)).all()
        in_sql = {
            o
            for o in everyone
            if db.session.scalar(
                select(Proposal.id).where(Proposal.id == proposal_id, works_on_programme(o))
            )
        }
        assert in_sql == programme_organizations(proposal_id)
        assert {org_id("ILO"), org_id("IOM"), org_id("UNDP")} <= in_sql < set(everyone)
        db.session.rollback()


def test_only_the_programmes_staff_request_and_one_revision_is_open_at_a_time(app, programme):
    with app.app_context():
        with pytest.raises(RevisionRefused, match="staff of the programme"):
            operations.start(user(programme["undp"]), programme["proposal"])
        db.session.rollback()
        revision_id = _draft(programme, _extension(programme, 27))
        with pytest.raises(RevisionRefused, match="still open"):
            operations.start(user(programme["iom"]), programme["proposal"])
        db.session.rollback()
        with pytest.raises(RevisionRefused, match="Only the staff"):
            operations.fire(user(programme["undp"]), revision_id, "withdraw")
        db.session.rollback()
        operations.fire(user(programme["iom"]), revision_id, "withdraw")
        db.session.commit()
        assert operations.start(user(programme["iom"]), programme["proposal"]).number == 2


def test_a_budget_reallocation_of_twenty_percent_keeps_the_coverage_totals(app, programme):
    with app.app_context():
        values = RevisionValues(
            justification="Fewer staff, more services.",
            budget=True,
            lines=_lines(programme, D("200000")),
        )
        revision_id = _draft(programme, values)
        operations.fire(user(programme["ilo"]), revision_id, "submit")
        assert db.session.get(Revision, revision_id).approver == "secretariat"
        operations.fire(user(programme["secretariat"]), revision_id, "approve")
        db.session.commit()
        lines = db.session.scalars(
            select(BudgetLine).where(BudgetLine.proposal_id == programme["proposal"])
        ).all()
        assert sorted((line.category_code, line.amount) for line in lines) == [
            (1, D("400000.00")),
            (4, D("600000.00")),
        ]
        assert not any(caches.verify().values())
        assert db.session.get(Revision, revision_id).applied["changed"] == ["Budget lines"]


def test_a_budget_line_for_an_organization_not_taking_part_is_refused(app, programme):
    with app.app_context():
        revision = operations.start(user(programme["ilo"]), programme["proposal"])
        values = RevisionValues(
            justification="x", budget=True, lines=[LineValues(org_id("UNDP"), 6, 1, D("10"))]
        )
        with pytest.raises(RevisionRefused, match="participating organization") as refused:
            operations.save(user(programme["ilo"]), revision.id, values)
        assert refused.value.field == "budget"


# The committee's path -------------------------------------------------------------------------


def _forwarded(programme, values: RevisionValues) -> tuple[int, int]:
    revision_id = _draft(programme, values)
    operations.fire(user(programme["ilo"]), revision_id, "submit")
    db.session.commit()
    with pytest.raises(RevisionRefused, match="goes to the committee"):
        operations.fire(user(programme["secretariat"]), revision_id, "approve")
    db.session.rollback()
    operations.fire(user(programme["secretariat"]), revision_id, "forward")
    db.session.commit()
    round_ = db.session.scalar(select(VotingRound).where(VotingRound.revision_id == revision_id))
    return revision_id, round_.id


def _thousand_more_approved(programme) -> int:
    """The committee approves a revision giving IOM USD 1,000.00 more of direct costs (its 7%
    added: 1,070.00 more in all); returns the revision's id."""
    values = RevisionValues(
        justification="More work.",
        budget=True,
        lines=[*_lines(programme, D("0")), LineValues(org_id("IOM"), 18, 5, D("1000"))],
    )
    revision_id, round_id = _forwarded(programme, values)
    committee_operations.cast_vote(round_id, user(programme["committee"]), "approve")
    committee_operations.close_round(round_id, user(programme["secretariat"]))
    db.session.commit()
    return revision_id


def test_a_long_extension_goes_through_a_voting_round(app, programme):
    with app.app_context():
        revision_id, round_id = _forwarded(programme, _extension(programme, 32))
        revision = db.session.get(Revision, revision_id)
        assert (revision.status, revision.approver) == ("committee", "committee")
        assert revision.reasons == ["the end date moves 8 months (more than 6 months)"]
        committee_operations.cast_vote(round_id, user(programme["committee"]), "approve")
        committee_operations.close_round(
            round_id, user(programme["secretariat"]), summary="Extension agreed."
        )
        db.session.commit()
        revision = db.session.get(Revision, revision_id)
        proposal = db.session.get(Proposal, programme["proposal"])
        assert (revision.status, revision.comment) == ("approved", "Extension agreed.")
        assert (proposal.status, proposal.duration_months) == ("funded", 32)
        assert db.session.get(VotingRound, round_id).outcome == "approved"


def test_the_home_and_the_list_wait_on_the_secretariat_for_every_submitted_revision(app, programme):
    """A submitted revision waits for the secretariat whoever decides it: a minor one to
    decide, the others to forward to the committee. The Home counts what the list shows."""
    with app.app_context():
        minor = _draft(programme, _extension(programme, 27))
        operations.fire(user(programme["ilo"]), minor, "submit")
        db.session.commit()
        operations.fire(user(programme["secretariat"]), minor, "approve")
        db.session.commit()
        long = _draft(programme, _extension(programme, 36))
        operations.fire(user(programme["ilo"]), long, "submit")
        db.session.commit()
        assert db.session.get(Revision, long).approver == "committee"
        client = client_for(app, user(programme["secretariat"]))
    home = client.get("/").get_data(as_text=True)
    waiting = re.search(r'data-task="revisions_to_decide"[^>]*>.*?(\d+)</span>', home, re.S)
    assert waiting is not None and waiting.group(1) == "1"
    listed = client.get("/revisions/").get_data(as_text=True)
    to_decide = listed[listed.index('id="to-decide"') : listed.index('id="committee"')]
    assert f"/revisions/{long}" in to_decide and f"/revisions/{minor}" not in to_decide


def test_the_request_page_states_the_category_limit_as_the_reasons_do(app, programme, monkeypatch):
    """A limit set with more digits than a tenth of a per cent: the request page and the
    reason of a revision it sends to the committee write it alike."""
    monkeypatch.setitem(app.config, "REVISION_CATEGORY_CHANGE_SHARE", D("0.2055"))
    url = f"/revisions/programme/{programme['proposal']}"
    page = client_for(app, programme["ilo"]).get(url).get_data(as_text=True)
    assert "a budget category changed by more than 20.6% of the budget" in page
    with app.app_context():
        values = RevisionValues(
            justification="Fewer staff, more services.",
            budget=True,
            lines=_lines(programme, D("206000")),
        )
        revision_id = _draft(programme, values)
        operations.fire(user(programme["ilo"]), revision_id, "submit")
        db.session.commit()
        (reason,) = db.session.get(Revision, revision_id).reasons
    assert reason.endswith("changes by 20.6% of the programme's budget (more than 20.6%)")


def test_a_forwarded_revisions_reasons_are_said_in_the_pages_language(app, programme):
    """The reasons recorded at submission stay English in the records, and a page says them
    in its own language, the months by that language's plural rules: Arabic writes 3 to 10
    months with the plural "أشهر", 11 to 99 with the singular "شهرًا"."""
    with app.app_context():
        revision_id, _ = _forwarded(programme, _extension(programme, 32))
        assert db.session.get(Revision, revision_id).reasons == [
            "the end date moves 8 months (more than 6 months)"
        ]
    secretariat = client_for(app, programme["secretariat"])
    url = f"/revisions/{revision_id}"

    def routing(lang: str) -> str:
        page = secretariat.get(f"{url}?lang={lang}").get_data(as_text=True)
        tree = etree.HTML(page)
        return "".join(tree.xpath('//dd[@id="routing"]')[0].itertext())

    assert routing("en") == (
        "Goes to the committee: the end date moves 8 months (more than 6 months)."
    )
    french = routing("fr").replace("\u00a0", " ")
    assert "la date de fin est reportée de 8 mois (plus de 6 mois)" in french
    assert "months" not in french
    arabic = routing("ar")
    assert "يتغير تاريخ الانتهاء بمقدار 8 أشهر (أكثر من 6 أشهر)" in arabic
    assert "شهرًا" not in arabic and "months" not in arabic


def test_a_higher_total_rejected_by_the_committee_changes_nothing(app, programme):
    with app.app_context():
        values = RevisionValues(
            justification="More work.",
            budget=True,
            lines=[*_lines(programme, D("0")), LineValues(org_id("IOM"), 18, 5, D("1000"))],
        )
        revision_id, round_id = _forwarded(programme, values)
        assert db.session.get(Revision, revision_id).reasons == [
            "the total budget rises by USD 1,000.00"
        ]
        committee_operations.cast_vote(round_id, user(programme["committee"]), "reject", "No.")
        committee_operations.close_round(round_id, user(programme["secretariat"]), summary="No.")
        db.session.commit()
        assert db.session.get(Revision, revision_id).status == "rejected"
        assert len(db.session.get(Proposal, programme["proposal"]).budget_lines) == 2


def test_a_higher_total_the_pools_do_not_hold_leaves_the_allocation_as_it_was(app, programme):
    with app.app_context():
        revision_id = _thousand_more_approved(programme)
        applied = db.session.get(Revision, revision_id).applied
        assert applied["allocation"].startswith("The allocation is unchanged at USD")
        assert "the pools available to the programme hold" in applied["allocation"]


def test_a_round_without_quorum_leaves_the_revision_with_the_committee(app, programme):
    with app.app_context():
        revision_id, round_id = _forwarded(programme, _extension(programme, 31))
        committee_operations.close_round(round_id, user(programme["secretariat"]))
        db.session.commit()
        assert db.session.get(Revision, revision_id).status == "committee"
        second = operations.open_new_round(user(programme["secretariat"]), revision_id)
        db.session.commit()
        assert second.revision_id == revision_id and second.status == "open"


# The pages ------------------------------------------------------------------------------------


def test_the_request_says_when_the_programme_ends_and_the_last_day_to_ask(app, client, programme):
    from fund.days import in_english

    with app.app_context():
        proposal_id = programme["proposal"]
        _, end = programme_end(db.session.get(Proposal, proposal_id))
    last = end - timedelta(days=30)
    login(client, programme["ilo"].email)
    page = client.get(f"/revisions/programme/{proposal_id}").get_data(as_text=True)
    assert (
        f"The programme ends on {in_english(end)}: request a revision at least 30 days before, "
        f"by {in_english(last)}."
    ) in page


def test_the_request_page_counts_the_days_and_months_the_fund_sets(app, client, programme):
    from fund.days import in_english

    app.config["REVISION_MIN_DAYS_BEFORE_END"] = 1
    app.config["REVISION_COMMITTEE_EXTENSION_MONTHS"] = 1
    with app.app_context():
        proposal_id = programme["proposal"]
        _, end = programme_end(db.session.get(Proposal, proposal_id))
    login(client, programme["ilo"].email)
    page = client.get(f"/revisions/programme/{proposal_id}").get_data(as_text=True)
    assert "the committee decides a new end date more than 1 month later," in page
    assert (
        f"request a revision at least 1 day before, by {in_english(end - timedelta(days=1))}."
    ) in page


def test_a_revision_requested_and_approved_through_the_pages(app, client, programme):
    with app.app_context():
        proposal_id = programme["proposal"]
        new_end = _month_end(proposal_id, 30).isoformat()
    login(client, programme["ilo"].email)
    page = client.get(f"/revisions/programme/{proposal_id}")
    assert page.status_code == 200 and b"Start a revision" in page.data
    token = csrf_token(client, f"/revisions/programme/{proposal_id}")
    started = client.post(f"/revisions/programme/{proposal_id}/new", data={"csrf_token": token})
    assert started.status_code == 302
    url = started.headers["Location"]
    form = {
        "csrf_token": token,
        "rows": "3",
        "justification": "Elections delayed the work.",
        "kind": "extension",
        "new_end_date": "2031-02-30",
    }
    bad = client.post(url, data=form)
    assert bad.status_code == 400
    assert b"Give the new end date as YYYY-MM-DD." in bad.data
    assert b"Elections delayed the work." in bad.data
    form["new_end_date"] = new_end
    assert client.post(url, data=form).status_code == 302
    shown = client.get(url)
    assert b"If submitted as saved: The secretariat decides" in shown.data
    assert client.post(f"{url}/submit", data={"csrf_token": token}).status_code == 302
    client = client_for(app, programme["secretariat"])
    listed = client.get("/revisions/")
    assert listed.status_code == 200 and b"Revision 1" in listed.data
    token = csrf_token(client, url)
    decided = client.post(f"{url}/decide", data={"csrf_token": token, "decision": "approve"})
    assert decided.status_code == 302
    page = client.get(url)
    assert b"Approved" in page.data and b"Duration (months)" in page.data
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).duration_months == 30


def test_the_revision_page_refuses_other_applicants(app, client, programme):
    with app.app_context():
        revision_id = _draft(programme, _extension(programme, 27))
    login(client, programme["undp"].email)
    assert client.get(f"/revisions/{revision_id}").status_code == 404
    assert client.get(f"/revisions/programme/{programme['proposal']}").status_code == 404


def test_the_committee_sees_a_forwarded_revision_and_the_meeting_lists_its_round(
    app, client, programme
):
    with app.app_context():
        revision_id, _ = _forwarded(programme, _extension(programme, 32))
    secretariat = client_for(app, programme["secretariat"])
    meeting = secretariat.get("/committee/meeting")
    assert meeting.status_code == 200
    assert f"/revisions/{revision_id}".encode() in meeting.data
    member = client_for(app, programme["committee"])
    page = member.get(f"/revisions/{revision_id}")
    assert page.status_code == 200
    assert b"Goes to the committee: the end date moves 8 months (more than 6 months)." in page.data
    review = member.get(f"/committee/proposals/{programme['proposal']}")
    assert review.status_code == 200 and b"a revision of the funded programme" in review.data
    assert member.get(f"/revisions/programme/{programme['proposal']}").status_code == 403
    # ... so the revision's page does not link the member there.
    assert f"/revisions/programme/{programme['proposal']}".encode() not in page.data


def test_the_meeting_offers_no_return_for_a_programme_whose_revision_is_voted_on(app, programme):
    """A funded programme listed for its revision's round is not in committee review: the
    meeting offers to return only what `return_for_revision` accepts."""
    with app.app_context():
        _forwarded(programme, _extension(programme, 32))
    secretariat = client_for(app, programme["secretariat"])
    meeting = secretariat.get("/committee/meeting").get_data(as_text=True)
    assert f"/committee/proposals/{programme['proposal']}/return" not in meeting


def test_a_due_date_the_secretariat_moved_stays_when_the_schedule_is_planned_again(app, programme):
    with app.app_context():
        proposal_id = programme["proposal"]
        final = db.session.scalar(
            select(ProgrammeReport).where(
                ProgrammeReport.proposal_id == proposal_id,
                ProgrammeReport.kind == "final_financial",
            )
        )
        moved = final.due_on + timedelta(days=400)
        final.due_on = moved
        narrative = db.session.scalar(
            select(ProgrammeReport).where(
                ProgrammeReport.proposal_id == proposal_id,
                ProgrammeReport.kind == "final_narrative",
            )
        )
        narrative_due = narrative.due_on
        db.session.commit()
        revision_id = _draft(programme, _extension(programme, 26))
        operations.fire(user(programme["ilo"]), revision_id, "submit")
        operations.fire(user(programme["secretariat"]), revision_id, "approve")
        db.session.commit()
        reports = {
            r.kind: r
            for r in db.session.scalars(
                select(ProgrammeReport).where(
                    ProgrammeReport.proposal_id == proposal_id,
                    ProgrammeReport.kind.in_(("final_financial", "final_narrative")),
                )
            )
        }
        assert reports["final_financial"].due_on == moved
        assert reports["final_narrative"].due_on == add_months(narrative_due, 2)


def test_a_moved_due_date_the_new_period_overtakes_takes_the_new_plans(app, programme):
    """A due date the secretariat moved stays only while it still comes after the report's
    period, the rule the due-date form refuses by: an extension that carries the period past
    it gives the report the new plan's due date, said in the change."""
    with app.app_context():
        proposal_id = programme["proposal"]

        def final_narrative() -> ProgrammeReport:
            return db.session.scalar(
                select(ProgrammeReport).where(
                    ProgrammeReport.proposal_id == proposal_id,
                    ProgrammeReport.kind == "final_narrative",
                )
            )

        report = final_narrative()
        planned_due, old_end = report.due_on, report.period_end
        report.due_on = old_end + timedelta(days=10)  # moved earlier, still after the period
        db.session.commit()
        revision_id = _draft(programme, _extension(programme, 26))
        operations.fire(user(programme["ilo"]), revision_id, "submit")
        operations.fire(user(programme["secretariat"]), revision_id, "approve")
        db.session.commit()
        report = final_narrative()
        assert report.period_end > old_end + timedelta(days=10)
        assert report.due_on >= report.period_end
        assert report.due_on == add_months(planned_due, 2)


def test_the_iati_activitys_planned_end_follows_an_approved_extension(app, client, programme):
    def planned_end() -> str:
        root = etree.fromstring(client.get("/open-data/iati.xml").data)
        activity = next(
            a
            for a in root.findall("iati-activity")
            if a.findtext("iati-identifier").endswith(f"P{programme['proposal']:05d}")
        )
        return next(
            d.get("iso-date") for d in activity.findall("activity-date") if d.get("type") == "3"
        )

    with app.app_context():
        start, _ = _end(programme["proposal"])
    assert planned_end() == last_day(start, 24).isoformat()
    with app.app_context():
        revision_id = _draft(programme, _extension(programme, 30))
        operations.fire(user(programme["ilo"]), revision_id, "submit")
        operations.fire(user(programme["secretariat"]), revision_id, "approve")
        db.session.commit()
    assert planned_end() == last_day(start, 30).isoformat()


def test_bad_budget_rows_are_shown_as_typed_and_nothing_is_saved(app, client, programme):
    with app.app_context():
        revision_id = _draft(programme, RevisionValues(justification="First words."))
    login(client, programme["ilo"].email)
    url = f"/revisions/{revision_id}"
    token = csrf_token(client, url)
    form = {
        "csrf_token": token,
        "rows": "999999999",
        "justification": "Second words.",
        "kind": ["budget", "nonsense"],
        "line-0-organization": str(programme["ilo"].organization_id),
        "line-0-objective": "6",
        "line-0-category": "1",
        "line-0-year": "one",
        "line-0-amount": "1,5",
        "participants": ["x", "-3"],
    }
    answer = client.post(url, data=form)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "“1,5” is not an amount" in page and 'value="1,5"' in page
    assert "The programme year is a whole number" in page and "Second words." in page
    form |= {"line-0-year": "1", "line-0-amount": "10", "line-1-organization": "999999"}
    form |= {"line-1-objective": "6", "line-1-category": "1", "line-1-amount": "5"}
    refused = client.post(url, data=form)
    assert refused.status_code == 400
    assert "Each budget line is for a participating organization." in refused.get_data(as_text=True)
    assert client.post(url, data={**form, "justification": "a\x00b"}).status_code == 400
    assert client.post(f"{url}/decide", data={"csrf_token": token}).status_code == 403
    with app.app_context():
        assert db.session.get(Revision, revision_id).justification == "First words."
        assert db.session.get(Revision, revision_id).budget_lines == []


def test_a_revision_submitted_twice_is_refused_as_stale(app, client, programme):
    with app.app_context():
        revision_id = _draft(programme, _extension(programme, 27))
    login(client, programme["ilo"].email)
    token = csrf_token(client, f"/revisions/{revision_id}")
    assert (
        client.post(f"/revisions/{revision_id}/submit", data={"csrf_token": token}).status_code
        == 302
    )
    again = client.post(f"/revisions/{revision_id}/submit", data={"csrf_token": token})
    assert again.status_code == 409
    assert client.post(f"/revisions/{revision_id}", data={"csrf_token": token}).status_code == 409


def test_a_revision_sent_twice_with_its_form_is_done_once_and_says_so(app, client, programme):
    """The submit button pressed twice (or the page sent again): the second request finds the
    first one's result, as every form that acts does, instead of a refusal."""
    with app.app_context():
        revision_id = _draft(programme, _extension(programme, 27))
    login(client, programme["ilo"].email)
    path = f"/revisions/{revision_id}"
    keys = form_keys(client, path, f"{path}/submit")
    assert client.post(f"{path}/submit", data=keys).status_code == 302
    again = client.post(f"{path}/submit", data=keys)
    assert again.status_code == 302 and again.headers["Location"].endswith(path)
    shown = client.get(path).get_data(as_text=True)
    assert "This form had already been sent" in shown
    with app.app_context():
        assert db.session.get(Revision, revision_id).status == "submitted"
        submitted = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "revision_submitted",
                AuditEvent.subject_id == str(revision_id),
            )
        )
        assert submitted == 1


# Races ----------------------------------------------------------------------------------------


def _job(user_id: int, action):
    def job():
        return action(db.session.get(User, user_id))

    return job


def test_two_revisions_started_at_once_make_one(app, backend, programme):
    proposal_id = programme["proposal"]
    results = run_together(
        app,
        [
            _job(programme[who].id, lambda actor: operations.start(actor, proposal_id).id)
            for who in ("ilo", "iom")
        ],
    )
    assert sorted(type(r).__name__ for r in results) == ["RevisionRefused", "int"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Revision)) == 1


def test_an_approval_racing_a_withdrawal_leaves_one_outcome(app, backend, programme):
    with app.app_context():
        revision_id = _draft(programme, _extension(programme, 27))
        operations.fire(user(programme["ilo"]), revision_id, "submit")
        db.session.commit()
    results = run_together(
        app,
        [
            _job(
                programme["secretariat"].id,
                lambda actor: operations.fire(actor, revision_id, "approve").status,
            ),
            _job(
                programme["iom"].id,
                lambda actor: operations.fire(actor, revision_id, "withdraw").status,
            ),
        ],
    )
    done = [r for r in results if isinstance(r, str)]
    assert len(done) == 1 and isinstance(next(r for r in results if r not in done), RevisionRefused)
    with app.app_context():
        proposal = db.session.get(Proposal, programme["proposal"])
        status = db.session.get(Revision, revision_id).status
        assert status == done[0]
        assert proposal.duration_months == (27 if status == "approved" else 24)


def test_a_budget_rows_amount_is_refused_in_the_pages_language(app, client, programme):
    with app.app_context():
        revision_id = _draft(programme, RevisionValues(justification="First words."))
    login(client, programme["ilo"].email)
    url = f"/revisions/{revision_id}"
    form = {
        "csrf_token": csrf_token(client, url),
        "rows": "1",
        "justification": "Second words.",
        "kind": ["budget"],
        "line-0-organization": str(programme["ilo"].organization_id),
        "line-0-objective": "6",
        "line-0-category": "1",
        "line-0-year": "1",
        "line-0-amount": "1,5,0",  # not an amount in French ("1,5" is 1.50 there)
    }
    answer = client.post(url, data=form, headers={"Accept-Language": "fr"})
    assert answer.status_code == 400
    page = html.unescape(answer.get_data(as_text=True))
    assert "«\u00a01,5,0\u00a0» n'est pas un montant" in page and "is not an amount" not in page


def test_the_routing_says_its_amounts_and_shares_in_the_pages_language(app):
    """The reasons stay English in the records; said on a French page, the amount and the
    share are written as French writes them."""
    from flask_babel import force_locale

    from fund.sentences import said

    higher = _route(categories_after={1: D("600000"), 4: D("401000")})
    moved = _route(categories_after={1: D("395000"), 4: D("605000")}, category_names={1: "Staff"})
    assert "changes by 20.5% of the programme's budget (more than 20%)" in moved.reasons[0]
    assert higher.reasons == ("the total budget rises by USD 1,000.00",)
    with app.test_request_context(), force_locale("fr"):
        assert "1\u202f000,00\u00a0$US" in said(higher.sentence)
        assert "USD" not in said(higher.sentence)
        assert "20,5\u00a0% du budget du programme (plus de 20\u00a0%)" in said(moved.sentence)


def test_a_decision_sent_twice_is_told_in_the_pages_language(app, client, programme):
    """The secretariat's decision sent again (a double click): the second answer names what
    was recorded in the page's language, not an English phrase inside a French sentence."""
    with app.app_context():
        revision_id = _draft(programme, _extension(programme, 27))
        operations.fire(user(programme["ilo"]), revision_id, "submit")
        db.session.commit()
    secretariat = client_for(app, programme["secretariat"])
    path = f"/revisions/{revision_id}"
    french = {"Accept-Language": "fr"}
    keys = form_keys(secretariat, path, f"{path}/decide") | {"decision": "approve"}
    assert secretariat.post(f"{path}/decide", data=keys, headers=french).status_code == 302
    again = secretariat.post(f"{path}/decide", data=keys, headers=french)
    assert again.status_code == 302
    shown = html.unescape(secretariat.get(path, headers=french).get_data(as_text=True))
    assert "Ce formulaire avait déjà été envoyé" in shown
    assert "The decision on the revision" not in shown
    assert "La décision sur la révision" in shown


def test_a_returned_revision_says_who_would_decide_it_as_it_now_stands(app, programme):
    """Routed to the secretariat as a 3-month extension, returned, then saved as an 8-month
    one: the page and the lists say who would decide it now (the committee), not the routing
    of its first submission, which the next submission replaces."""
    with app.app_context():
        revision_id = _draft(programme, _extension(programme, 27))
        operations.fire(user(programme["ilo"]), revision_id, "submit")
        operations.fire(
            user(programme["secretariat"]), revision_id, "return_for_changes", "Say more."
        )
        db.session.commit()
        operations.save(user(programme["ilo"]), revision_id, _extension(programme, 32))
        db.session.commit()
    ilo = client_for(app, programme["ilo"])
    page = html.unescape(ilo.get(f"/revisions/{revision_id}").get_data(as_text=True))
    assert "If submitted as saved: Goes to the committee" in page
    assert "The secretariat decides: no change needs the committee." not in page
    listed = ilo.get(f"/revisions/programme/{programme['proposal']}").get_data(as_text=True)
    row = listed.split(f'href="/revisions/{revision_id}"')[1].split("</tr>")[0]
    assert "The secretariat" not in row, row
