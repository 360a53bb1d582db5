"""A budget reallocation within the allocated total moves the participating organizations'
shares of the allocation with their budgets (direct + indirect, rounded per organization);
never below what an organization was already transferred; the transfer schedule follows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from fund import caches
from fund.extensions import db, utcnow
from fund.finance import operations as finance_operations
from fund.finance.models import Allocation, AllocationShare
from fund.finance.transfer_schedule import scheduled_tranches
from fund.revisions import operations
from fund.revisions.models import Revision
from fund.revisions.operations import LineValues, RevisionValues
from tests.helpers import org_id, user
from tests.test_revisions import _draft, _lines, _thousand_more_approved
from tests.test_revisions import prepared_programme as prepared_programme
from tests.test_revisions import programme as programme  # the fixture

D = Decimal


def _shares(proposal_id: int) -> dict[int, tuple[Decimal, Decimal]]:
    allocation = db.session.scalar(select(Allocation).where(Allocation.proposal_id == proposal_id))
    return {
        row.organization_id: (row.amount, row.disbursed)
        for row in db.session.scalars(
            select(AllocationShare).where(AllocationShare.allocation_id == allocation.id)
        )
    }


def _reallocate(programme, moved: str) -> Revision:
    values = RevisionValues(
        justification="Fewer staff, more services.", budget=True, lines=_lines(programme, D(moved))
    )
    revision_id = _draft(programme, values)
    operations.fire(user(programme["ilo"]), revision_id, "submit")
    operations.fire(user(programme["secretariat"]), revision_id, "approve")
    db.session.commit()
    return db.session.get(Revision, revision_id)


def test_a_reallocation_moves_the_shares_and_the_schedule(app, programme):
    with app.app_context():
        before = _shares(programme["proposal"])
        allocated = sum(amount for amount, _ in before.values())
        revision = _reallocate(programme, "200000")
        after = _shares(programme["proposal"])
        ilo, iom = org_id("ILO"), org_id("IOM")
        # 200,000.00 of direct costs and their 7% of indirect costs move from ILO to IOM.
        assert after[ilo][0] == before[ilo][0] - D("214000.00")
        assert after[iom][0] == before[iom][0] + D("214000.00")
        assert sum(amount for amount, _ in after.values()) == allocated
        assert set(revision.applied["shares"]) == {"ILO", "IOM"}
        allocation_id = db.session.scalar(
            select(Allocation.id).where(Allocation.proposal_id == programme["proposal"])
        )
        planned: dict[int, Decimal] = {}
        for tranche in scheduled_tranches(allocation_id):
            planned[tranche.organization_id] = (
                planned.get(tranche.organization_id, D("0")) + tranche.amount
            )
        assert planned == {o: amount for o, (amount, _) in after.items()}
        assert not any(caches.verify().values())


def test_no_share_falls_below_what_was_transferred(app, programme):
    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == programme["proposal"])
        )
        ilo = org_id("ILO")
        share = _shares(programme["proposal"])[ilo][0]
        finance_operations.record_disbursement(
            user(programme["secretariat"]), allocation, ilo, utcnow().date(), share
        )
        db.session.commit()
        before = _shares(programme["proposal"])
        revision = _reallocate(programme, "200000")
        assert _shares(programme["proposal"]) == before
        said = revision.applied["shares"]
        assert said.startswith("The allocation's shares are unchanged: ILO would get")
        assert "below the" in said and "already transferred" in said


def test_no_share_falls_below_what_is_transferred_and_requested(app, programme):
    """ILO's transfer request for its whole share is open: a new share below it would leave a
    request the agent can never record (the payment is checked against the new share). The
    shares stay, and the revision says which request holds them."""
    from fund.finance import transfers

    with app.app_context():
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == programme["proposal"])
        )
        ilo = org_id("ILO")
        share = _shares(programme["proposal"])[ilo][0]
        request = transfers.request_transfer(
            user(programme["secretariat"]), allocation, ilo, share, override_reason="Agreed."
        )
        db.session.commit()
        code = request.code
        before = _shares(programme["proposal"])
        revision = _reallocate(programme, "200000")
        assert _shares(programme["proposal"]) == before
        said = revision.applied["shares"]
        assert said.startswith("The allocation's shares are unchanged: ILO would get"), said
        assert f"open transfer request {code}" in said, said


def test_a_higher_total_approved_is_allocated_from_the_pools(app, programme, donor):
    """The committee approves USD 1,070.00 more (1,000.00 of direct costs and their 7%): it is
    drawn from the unearmarked pool, IOM's share grows by it, the payment already made to ILO is
    attributed to the pools again as the check recomputes it, and the schedule adds up."""
    from fund.accounts.models import Organization
    from fund.finance.models import Pool

    with app.app_context():
        finance_operations.record_contribution(
            user(programme["secretariat"]),
            db.session.get(Organization, donor.id),
            utcnow().date(),
            D("10000.00"),
        )
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == programme["proposal"])
        )
        finance_operations.record_disbursement(
            user(programme["secretariat"]), allocation, org_id("ILO"), utcnow().date(), D("5000")
        )
        db.session.commit()
        amount_before = allocation.amount
        general_before = db.session.get(Pool, "GENERAL").available
        before = _shares(programme["proposal"])
        revision_id = _thousand_more_approved(programme)
        said = db.session.get(Revision, revision_id).applied["allocation"]
        assert said.startswith("The allocation rises from USD")
        db.session.expire_all()
        allocation = db.session.get(Allocation, allocation.id)
        assert allocation.amount == amount_before + D("1070.00")
        assert db.session.get(Pool, "GENERAL").available == general_before - D("1070.00")
        after = _shares(programme["proposal"])
        assert after[org_id("IOM")][0] == before[org_id("IOM")][0] + D("1070.00")
        assert after[org_id("ILO")] == before[org_id("ILO")]
        assert sum(amount for amount, _ in after.values()) == allocation.amount
        assert not any(caches.verify().values())


def test_a_top_up_from_an_earmark_attributes_what_was_paid_in_the_new_draw_order(
    app, programme, donor
):
    """A programme funded from unearmarked money alone, ILO paid 5,000.00 of it. The 1,070.00
    more the committee approves is drawn from an earmark of the programme's area, which pays
    before unearmarked money: what was paid is attributed again in that order, the earmark's
    1,070.00 first, as a payment made now would be."""
    from fund.accounts.models import Organization, User
    from fund.finance.models import GENERAL_POOL, AllocationSource
    from fund.finance.operations import fund_proposal
    from fund.proposals.models import Proposal
    from tests.factories import new_proposal

    with app.app_context():
        first = db.session.get(Proposal, programme["proposal"])
        area = min(
            source.pool_code
            for source in db.session.scalars(
                select(AllocationSource).join(Allocation).where(Allocation.proposal_id == first.id)
            )
        )
        approved = new_proposal(
            db.session.get(User, programme["ilo"].id), first.call_id, "approved"
        )
        secretariat = user(programme["secretariat"])
        kdn = db.session.get(Organization, donor.id)
        finance_operations.record_contribution(
            secretariat, kdn, utcnow().date(), D("2000000.00"), fee_rate=D("0")
        )
        allocation = fund_proposal(secretariat, approved)
        assert {s.pool_code for s in allocation.sources} == {GENERAL_POOL}
        finance_operations.record_disbursement(
            secretariat, allocation, org_id("ILO"), utcnow().date(), D("5000")
        )
        finance_operations.record_contribution(
            secretariat, kdn, utcnow().date(), D("10000.00"), area, fee_rate=D("0")
        )
        db.session.commit()
        second = {**programme, "proposal": approved.id}
        revision_id = _thousand_more_approved(second)
        assert (
            db.session.get(Revision, revision_id)
            .applied["allocation"]
            .startswith("The allocation rises from USD")
        )
        db.session.expire_all()
        parts = {
            row.pool_code: (row.amount, row.disbursed)
            for row in db.session.scalars(
                select(AllocationSource).where(AllocationSource.allocation_id == allocation.id)
            )
        }
        assert parts[area] == (D("1070.00"), D("1070.00"))
        assert parts[GENERAL_POOL][1] == D("3930.00")
        assert not any(caches.verify().values())


def test_an_organization_joining_through_a_revision_is_recused_in_its_round(app, programme):
    """A revision adding UNHCR to the programme goes to the committee; UNHCR's seat is recused
    automatically in the round about it, as a participating organization's would be."""
    from fund.committee.models import RoundMember, VotingRound
    from fund.proposals.models import Proposal
    from tests.test_revisions import _forwarded

    with app.app_context():
        proposal = db.session.get(Proposal, programme["proposal"])
        current = [organization.id for organization in proposal.participants]
        values = RevisionValues(
            justification="UNHCR brings its protection work.",
            participants=True,
            participant_ids=[*current, org_id("UNHCR")],
            # Set-up only: an organization joins with its budget lines (the submission wants
            # them since a participants' change must agree with the budget).
            budget=True,
            lines=[*_lines(programme, D("100000")), LineValues(org_id("UNHCR"), 6, 1, D("100000"))],
        )
        revision_id, round_id = _forwarded(programme, values)
        assert db.session.get(VotingRound, round_id).revision_id == revision_id
        member = db.session.scalar(
            select(RoundMember).where(
                RoundMember.round_id == round_id,
                RoundMember.user_id == programme["committee"].id,
            )
        )
        assert member is not None and member.recusal == "automatic"
        assert "UNHCR would join the programme through revision" in member.recusal_reason


def test_a_change_of_participants_agrees_with_the_budget(app, programme):
    """An organization joins with budget lines and one leaves without any: a participants'
    change alone would leave the leaving organization's budget, share and tranches in place
    (or the joining one with none), while the pages and open data list the new participants."""
    from fund.revisions.operations import RevisionRefused

    with app.app_context():
        ilo, iom, unhcr = org_id("ILO"), org_id("IOM"), org_id("UNHCR")
        joining = _draft(
            programme,
            RevisionValues(
                justification="UNHCR brings its protection work.",
                participants=True,
                participant_ids=[ilo, iom, unhcr],
            ),
        )
        with pytest.raises(RevisionRefused) as refused:
            operations.fire(user(programme["ilo"]), joining, "submit")
        db.session.rollback()
        assert "UNHCR would take part with no budget lines" in str(refused.value.problems)
        operations.fire(user(programme["ilo"]), joining, "withdraw")
        db.session.commit()
        leaving = _draft(
            programme,
            RevisionValues(
                justification="IOM hands its work to UNHCR.",
                participants=True,
                participant_ids=[ilo, unhcr],
            ),
        )
        with pytest.raises(RevisionRefused) as refused:
            operations.fire(user(programme["ilo"]), leaving, "submit")
        db.session.rollback()
        problems = str(refused.value.problems)
        assert "IOM would leave the programme with budget lines" in problems
        assert "UNHCR would take part with no budget lines" in problems
