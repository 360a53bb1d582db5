"""Pages of the committee domain: the member's list, the meeting view, a proposal's review page
with the vote, the secretariat's round actions, and the decision record of a round."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from fund import web
from fund.access import recent_login_required, roles_required
from fund.accounts.models import COMMITTEE_READERS, PROPOSAL_READERS, Role
from fund.calls.models import DecisionRule
from fund.committee import operations, queries, told
from fund.committee.decisions import DECISION_LABELS, pipeline_size
from fund.committee.forms import (
    CloseForm,
    ConflictForm,
    DeadlineForm,
    OpenRoundForm,
    ReturnForm,
    VoteForm,
)
from fund.committee.models import Choice, RoundStatus, VotingRound
from fund.committee.proposal_page import reads_notes
from fund.committee.rounds import end_of_day, outcome_label
from fund.committee.visibility import (
    opened_record,
    record_access,
    reviewed_by_committee,
    votes_visible_before_own_vote,
)
from fund.committee.voting_seats import few_seats_warning, seat_count
from fund.coverage.simulator import coverage_effect
from fund.days import written
from fund.extensions import db, utcnow
from fund.labels import N_
from fund.listing import Export, export_arg, export_response, sort_arg
from fund.proposals.access import seen_by
from fund.proposals.budget import Line, summarise
from fund.proposals.invitation_page import origin_of_version
from fund.proposals.models import MARKER_LABELS, PartnerType, Proposal, ProposalVersion, Scope
from fund.proposals.operations import rules_from_config
from fund.proposals.queries import load_proposal
from fund.proposals.queries import organization_names as proposal_organization_names
from fund.proposals.results_queries import ResultsSection, mgi_gaps
from fund.proposals.results_versions import FRAMEWORK_KEY, version_outcome_views
from fund.query_args import page_arg
from fund.screening import queries as screening_queries
from fund.screening.models import CheckResult
from workflows import TransitionRefused

bp = Blueprint("committee", __name__, url_prefix="/committee")

CONCURRENT_MESSAGE = N_(
    "Someone else acted on this round at the same moment. Nothing of yours was saved; your "
    "input is kept below. Review the current state, then try again."
)


def _common() -> dict[str, Any]:
    return {
        "rule_labels": DecisionRule.labels(),
        "outcome_label": outcome_label,
        "choice_labels": Choice.labels(),
        "is_secretariat": current_user.has_role(Role.SECRETARIAT),
        "is_member": current_user.has_role(Role.COMMITTEE),
        "now": utcnow(),
        # Recusals leaving fewer seats able to vote than the fund's minimum (the secretariat's
        # warning before closing), and a round's seats counted for its record.
        "few_seats": few_seats_warning,
        "seat_count": seat_count,
    }


# The member's page ------------------------------------------------------------------------


# The member's lists, each paginated on its own: the page of each is a query parameter.
INDEX_LISTS = ("awaiting", "voted", "recused")


def _page_arg(name: str = "page") -> int:
    """A page number from the query string; anything unreadable is the first page."""
    return page_arg(name)


def _index_url(pages: dict[str, int], name: str, kept: dict[str, Any] | None = None):
    """A function giving the address of page n of the list `name`, keeping the other lists'
    pages and `kept` (the order of the votes), scrolled to the list."""

    def url(number: int) -> str:
        wanted = {**pages, name: number}
        args = {f"{key}_page": n for key, n in wanted.items() if n > 1}
        return url_for("committee.index", _anchor=f"{name}-title", **(kept or {}), **args)

    return url


VOTES_EXPORT = Export(
    name="my-votes",
    title="My votes",
    header=("Proposal", "Title", "Round", "Your vote", "Cast (UTC)", "Changed (UTC)", "Outcome"),
    cells=lambda row: (
        row.proposal.reference,
        row.proposal.title,
        row.round.number,
        Choice.labels().get(row.vote.choice, row.vote.choice),
        row.vote.cast_at,
        row.vote.changed_at,
        outcome_label(row.round.outcome) if row.round.status != RoundStatus.OPEN else "Open",
    ),
)


@bp.route("/")
@roles_required(*COMMITTEE_READERS)
def index():
    lists: dict[str, Any] = {}
    urls: dict[str, Any] = {}
    conflicted: set[int] = set()
    counts = None
    sorting = sort_arg(queries.VOTE_SORT, *queries.VOTE_DEFAULT_SORT, prefix="voted_")
    if current_user.has_role(Role.COMMITTEE):
        if fmt := export_arg("voted_export"):
            return export_response(fmt, VOTES_EXPORT, queries.my_votes_view(current_user, sorting))
        requested = {name: _page_arg(f"{name}_page") for name in INDEX_LISTS}
        seats = queries.seats_now(current_user)
        counts = queries.member_counts(current_user, seats)
        kept = {"seats": seats, "counts": counts}
        lists = {
            name: queries.member_rounds(current_user, name, requested[name], **kept)
            for name in ("awaiting", "recused")
        }
        lists["voted"] = queries.my_votes(
            current_user, requested["voted"], sorting=sorting, counts=counts
        )
        # A closed round's record opens only without a conflict on the proposal (one may
        # have been declared in a later round): the other votes are listed without a link.
        voted_proposals = [row.proposal for row in lists["voted"].rows]
        conflicted = queries.conflicted_proposals(current_user, voted_proposals)
        shown = {name: page.page for name, page in lists.items()}
        urls = {name: _index_url(shown, name, sorting.args()) for name in INDEX_LISTS}
    return render_template(
        "committee/index.html",
        awaiting=lists.get("awaiting"),
        voted=lists.get("voted"),
        recusals=lists.get("recused"),
        page_urls=urls,
        voted_sorting=sorting,
        # The votes' headers keep the other lists' pages; a new order starts at the first.
        voted_args={
            f"{name}_page": page.page
            for name, page in lists.items()
            if name != "voted" and page.page > 1
        },
        voted_export_args=sorting.args(),
        conflicted=conflicted,
        open_rounds=queries.open_round_count() if counts is None else counts.open_rounds,
        **_common(),
    )


# The meeting ------------------------------------------------------------------------------


def _meeting_url(number: int) -> str:
    return url_for("committee.meeting", **({"page": number} if number > 1 else {}))


def _render_meeting(
    *,
    error: TransitionRefused | str | None = None,
    failed: dict[str, Any] | None = None,
    status: int = 200,
    proposal_id: int | None = None,
):
    """The meeting page asked for, or, after a refused action, the page showing the proposal
    acted on (so its form shows the input kept and the errors)."""
    page = queries.meeting_page_of(proposal_id) if proposal_id is not None else None
    return render_template(
        "committee/meeting.html",
        meeting=queries.meeting(
            current_user,
            visible_before_own_vote=votes_visible_before_own_vote(),
            page=page or _page_arg(),
        ),
        page_url=_meeting_url,
        recent=queries.recent_decisions(current_user),
        error=error,
        failed=failed or {},
        # A concept note's closing form asks for the decision and the place in the pipeline.
        decision_labels=DECISION_LABELS,
        pipeline_size=pipeline_size,
        **_common(),
    ), status


def _to_meeting_at(proposal_id: int):
    """Back to the meeting, at the page and section of the proposal if it is still there,
    else at the page the action was sent from."""
    page = queries.meeting_page_of(proposal_id)
    if page is None:
        return redirect(_meeting_url(_page_arg()))
    return redirect(
        url_for(
            "committee.meeting", _anchor=f"p-{proposal_id}", **({"page": page} if page > 1 else {})
        )
    )


@bp.route("/meeting")
@roles_required(*COMMITTEE_READERS)
def meeting():
    return _render_meeting()


# A proposal's review page -----------------------------------------------------------------------


def _review_proposal(proposal_id: int) -> Proposal:
    """The proposal, or 404 for anyone who may not see it (a committee member sees it once it
    reached the committee)."""
    return seen_by(current_user, load_proposal(proposal_id))


def _budget(proposal: Proposal):
    return summarise(
        (
            Line(b.organization_id, b.objective_number, b.category_code, b.amount)
            for b in proposal.budget_lines
        ),
        rules_from_config(current_app.config).indirect_rate,
    )


def _results(proposal: Proposal, version: ProposalVersion | None) -> ResultsSection:
    """The results framework of the version reviewed, in words (seven statements with one,
    none without), and the MGI gaps of the proposal's countries on its objectives (two)."""
    snapshot = (version.snapshot or {}).get(FRAMEWORK_KEY) if version is not None else None
    return ResultsSection(outcomes=version_outcome_views(snapshot), gaps=mgi_gaps(proposal))


def _render_review(
    proposal: Proposal,
    *,
    vote_form: VoteForm | None = None,
    conflict_form: ConflictForm | None = None,
    error: TransitionRefused | str | None = None,
    status: int = 200,
):
    rounds = queries.rounds_of(proposal.id)
    current = queries.current_round(rounds)
    if not reviewed_by_committee(proposal, rounds):
        abort(404)
    # The rounds are loaded with their members: the conflict needs no query of its own.
    conflict = queries.conflict_in_rounds(current_user, proposal, rounds)
    view = (
        queries.round_view(
            current,
            current_user,
            proposal,
            visible_before_own_vote=votes_visible_before_own_vote(),
            conflict=conflict,
        )
        if current is not None
        else None
    )
    mine = view.my_vote if view else None
    if vote_form is None:
        vote_form = VoteForm(
            formdata=None,
            data={
                "choice": mine.choice if mine else None,
                "comment": mine.comment if mine else "",
                "conditions": mine.conditions if mine else "",
            },
        )
    # The vote the page shows now: sent back, what was typed is checked against it.
    vote_form.seen.data = operations.vote_fingerprint(mine)
    budget = _budget(proposal)
    notes = (
        queries.forwarding_notes(proposal.id)
        if reads_notes(current_user, proposal, conflict=conflict)
        else []
    )
    version_number = current.version_number if current else proposal.submission_number
    version = queries.version_of(proposal.id, version_number)
    return render_template(
        "committee/review.html",
        proposal=proposal,
        rounds=rounds,
        # The rounds whose record the reader may open: the record's own rule, linked by it.
        records_opened={
            r.id for r in rounds if record_access(current_user, r, proposal, conflict=conflict)[0]
        },
        view=view,
        conflict=conflict,
        version=version,
        # A full proposal made from a concept note: the version's budget against its total.
        origin=(
            origin_of_version(current_user, proposal, version.snapshot)
            if version is not None and proposal.concept_note_id is not None
            else None
        ),
        sheet=screening_queries.checklist(proposal),
        result_labels=CheckResult.labels(),
        budget=budget,
        names=proposal_organization_names(set(budget.by_organization)),
        scope_labels=Scope.labels(),
        marker_labels=MARKER_LABELS,
        partner_kind=PartnerType.label_of,
        vote_form=vote_form,
        conflict_form=conflict_form or ConflictForm(formdata=None),
        error=error,
        coverage_rows=coverage_effect(proposal.id),
        results=_results(proposal, version),
        notes=notes,
        # Where the secretariat opens the first round: the meeting's page of the proposal.
        meeting_page=(
            queries.meeting_page_of(proposal.id)
            if current is None and current_user.has_role(Role.SECRETARIAT)
            else None
        ),
        **_common(),
    ), status


@bp.route("/proposals/<int:proposal_id>")
@roles_required(*COMMITTEE_READERS)
def review(proposal_id: int):
    return _render_review(_review_proposal(proposal_id))


def _act(form, run, done, refusals, again):
    """Send a form of the committee's pages: `run()` the operation; a refusal (or a form that
    cannot be read) shows the page again (`again(message, status)`) with the form as typed."""
    return web.submit(form, run, done, refusals=refusals, again=again, lost_race=CONCURRENT_MESSAGE)


def _review_action(round_id: int, form_name: str, form, run, done, refusals):
    """A member's form on the review page."""
    proposal_id = db.get_or_404(VotingRound, round_id).proposal_id
    _review_proposal(proposal_id)  # 404 for anyone who may not see the proposal

    def again(message: str | None, status: int):
        shown = _review_proposal(proposal_id)
        return _render_review(shown, error=message, status=status, **{form_name: form})

    return _act(form, run, lambda result: done(result, proposal_id), refusals, again)


@bp.route("/rounds/<int:round_id>/vote", methods=["POST"])
@roles_required(Role.COMMITTEE)
@recent_login_required()
def vote(round_id: int):
    form = VoteForm()

    def run() -> str:
        return operations.cast_vote(
            round_id,
            current_user,
            form.choice.data,
            form.comment.data,
            form.conditions.data,
            expected=form.seen.data or None,
        )[1]

    def done(what: str, proposal_id: int):
        flash(*told.vote(what, form.choice.data))
        return redirect(url_for("committee.review", proposal_id=proposal_id, _anchor="your-vote"))

    return _review_action(
        round_id, "vote_form", form, run, done, (operations.CommitteeRefused, IntegrityError)
    )


@bp.route("/rounds/<int:round_id>/conflict", methods=["POST"])
@roles_required(Role.COMMITTEE)
@recent_login_required()
def declare_conflict(round_id: int):
    form = ConflictForm()

    def done(removed, proposal_id: int):
        flash(told.conflict(removed is not None), "success")
        return redirect(url_for("committee.review", proposal_id=proposal_id))

    return _review_action(
        round_id,
        "conflict_form",
        form,
        lambda: operations.declare_conflict(round_id, current_user, form.reason.data),
        done,
        operations.CommitteeRefused,
    )


# The secretariat's actions ------------------------------------------------------------------


def _meeting_action(action: str, key: int, proposal_id: int, form, run, done, refusals):
    """The secretariat's form on the meeting page: after a refusal, the meeting with the
    typed input of the form that failed."""

    def again(message: str | None, status: int):
        return _render_meeting(
            error=message,
            failed={"action": action, "key": key, "form": form},
            status=status,
            proposal_id=proposal_id,
        )

    return _act(form, run, done, refusals, again)


@bp.route("/rounds/<int:round_id>/close", methods=["POST"])
@roles_required(Role.SECRETARIAT)
@recent_login_required()
def close_round(round_id: int):
    round_ = db.get_or_404(VotingRound, round_id)
    number, proposal_id = round_.number, round_.proposal_id
    form = CloseForm()

    def run():
        closed = operations.close_round(
            round_id,
            current_user,
            summary=form.summary.data,
            expected=form.fingerprint.data,
            decision=form.decision.data or None,
            place=form.rank.data,
        )
        return closed.outcome, closed.pipeline_place, db.session.get(Proposal, closed.proposal_id)

    def done(closed):
        outcome, place, proposal = closed
        flash(*told.closed(number, outcome, place, proposal))
        return redirect(url_for("committee.record", round_id=round_id))

    refusals = (operations.CommitteeRefused, TransitionRefused, StaleDataError, IntegrityError)
    return _meeting_action("close", round_id, proposal_id, form, run, done, refusals)


@bp.route("/rounds/<int:round_id>/deadline", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def set_deadline(round_id: int):
    round_ = db.get_or_404(VotingRound, round_id)
    number, proposal_id = round_.number, round_.proposal_id
    form = DeadlineForm()

    def done(changed: bool):
        if not changed:
            flash(_("Nothing changed: the deadline was already as shown."), "info")
        elif form.deadline.data:
            until = f"{written(form.deadline.data)}, 23:59 UTC"
            flash(
                _(
                    "Round %(number)s: votes are accepted until %(until)s.",
                    number=number,
                    until=until,
                ),
                "success",
            )
        else:
            flash(_("Round %(number)s has no deadline any more.", number=number), "success")
        return _to_meeting_at(proposal_id)

    return _meeting_action(
        "deadline",
        round_id,
        proposal_id,
        form,
        lambda: operations.set_deadline(round_id, current_user, end_of_day(form.deadline.data)),
        done,
        operations.CommitteeRefused,
    )


@bp.route("/proposals/<int:proposal_id>/rounds", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def open_round(proposal_id: int):
    proposal = _review_proposal(proposal_id)
    form = OpenRoundForm()

    def run() -> int:
        return operations.open_new_round(
            proposal.id,
            current_user,
            deadline=end_of_day(form.deadline.data),
            expected_version=form.version.data,
        ).number

    def done(number: int):
        flash(
            _(
                "Round %(number)s on %(reference)s is open.",
                number=number,
                reference=proposal.reference,
            ),
            "success",
        )
        return _to_meeting_at(proposal_id)

    refusals = (operations.CommitteeRefused, IntegrityError)
    return _meeting_action("open", proposal_id, proposal_id, form, run, done, refusals)


@bp.route("/proposals/<int:proposal_id>/return", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def return_for_revision(proposal_id: int):
    proposal = _review_proposal(proposal_id)
    form = ReturnForm()

    def run():
        operations.return_for_revision(
            proposal.id, current_user, form.summary.data, expected_version=form.version.data
        )

    def done(_result):
        flash(
            _(
                "%(reference)s was returned to the applicant with the committee's summary.",
                reference=proposal.reference,
            ),
            "success",
        )
        # The proposal has left the meeting: back to the page the action was sent from.
        return redirect(_meeting_url(_page_arg()))

    refusals = (operations.CommitteeRefused, TransitionRefused, StaleDataError)
    return _meeting_action("return", proposal_id, proposal_id, form, run, done, refusals)


# The decision record -----------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>")
@roles_required(*PROPOSAL_READERS)
def record(round_id: int):
    # The secretariat sees the whole record; a committee member without a conflict once the
    # round is closed; the applicant the outcome, summary and conditions of a closed round.
    found = opened_record(current_user, round_id)
    proposal, view, full = found.proposal, found.view, found.full
    round_ = view.round
    people = queries.users_by_id({round_.opened_by_id, round_.closed_by_id})
    return render_template(
        "committee/record.html",
        proposal=proposal,
        round=round_,
        view=view,
        full=full,
        version=queries.version_of(proposal.id, round_.version_number),
        opened_by=people.get(round_.opened_by_id),
        closed_by=people.get(round_.closed_by_id),
        org_names=queries.organization_names({m.organization_id for m in round_.members}),
        conditions=queries.approval_conditions(round_),
        meeting=queries.deciding_meeting(round_.id),
        **_common(),
    )
