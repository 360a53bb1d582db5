"""Signals the domains send after a change, for notifications and other listeners.

Receivers run inside the sender's transaction: they must not commit. Anything that leaves the
process (email) waits for the commit.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

proposal_transitioned = _signals.signal(
    "proposal-transitioned",
    doc="""A proposal changed state.

    `sender` is the Proposal; keyword arguments: `trigger`, `from_state`, `to_state`, `actor`
    (the User), `comment` (str or None) and `event` (the AuditEvent written). Sent by
    `fund.proposals.operations` once the whole operation is done: for `fund`, after the
    allocation (its sources and shares, the pools drawn) is written and flushed.
    """,
)

disbursement_recorded = _signals.signal(
    "disbursement-recorded",
    doc="""A tranche of an allocation was paid (a Disbursement row was written).

    `sender` is the Allocation; keyword arguments: `disbursement` (the Disbursement, flushed)
    and `actor` (the User who recorded it). Sent by `fund.finance.operations` inside its
    transaction, after the allocation share's `disbursed` is updated.
    """,
)

round_closed = _signals.signal(
    "round-closed",
    doc="""A committee voting round closed.

    `sender` is the VotingRound (status, outcome, summary and tally already set and flushed);
    keyword arguments: `outcome` (one of fund.committee.models.Outcome's values) and `actor`
    (the User who closed it, or None when it closed on its own). Sent by the committee code
    inside its transaction, before it fires `approve` or `reject` on the proposal if it does:
    the proposal is not decided yet, so the decision is for `proposal_transitioned` to tell. A
    round about a revision of a funded programme (its `revision_id` set) decides the revision,
    never the proposal: `fund.revisions` approves or rejects it on this signal.
    """,
)

round_opened = _signals.signal(
    "round-opened",
    doc="""A new voting round opened on a proposal still in committee review (the secretariat's
    *Open round N*, e.g. after a round closed without quorum).

    `sender` is the VotingRound (flushed, its seats and recusals set, its opening audited);
    keyword arguments: `proposal` (the Proposal) and `actor` (the User who opened it). Sent by
    `fund.committee.operations.open_new_round` once the round is opened. The first round, which
    the forwarding to the committee opens, is told by `proposal_transitioned` (the forward).
    A round about a revision of a funded programme is sent by `fund.revisions.operations` once
    it is opened (the revision's forward, or a new round after one without quorum), with the
    keyword argument `revision` (the Revision) as well.
    """,
)

vote_cast = _signals.signal(
    "vote-cast",
    doc="""A committee member cast or changed their vote in an open round.

    `sender` is the VotingRound (the vote flushed, its members and votes current); keyword
    arguments: `member` (the User who voted), `vote` (the Vote) and `change` ("cast" for a
    first vote, "changed" for a changed one). Sent by `fund.committee.operations` inside its
    transaction; an unchanged vote sends nothing.
    """,
)

conflict_declared = _signals.signal(
    "conflict-declared",
    doc="""A committee member declared a conflict of interest in an open round and is recused.

    `sender` is the VotingRound (the member's recusal flushed, a vote they had cast removed);
    keyword arguments: `member` (the User) and `reason` (str). Sent by
    `fund.committee.operations` inside its transaction.
    """,
)

account_locked = _signals.signal(
    "account-locked",
    doc="""An account was locked after too many failed sign-ins in a row.

    `sender` is the User; keyword arguments: `attempts` (the failures that locked it), `until`
    (when the lockout ends, UTC) and `now`. Sent by `fund.accounts.operations` inside its
    transaction, once the failures are counted and the lockout is audited; the owner's email
    with the link that unlocks the account is the receivers' (`fund.notifications`).
    """,
)


transfer_requested = _signals.signal(
    "transfer-requested",
    doc="""The secretariat requested a transfer (a tranche) to a participating organization.

    `sender` is the TransferRequest (flushed); keyword arguments: `proposal` (the funded
    Proposal) and `actor` (the User who requested it). Sent by `fund.finance.transfers` inside
    its transaction, after the request and its audit events are written.
    """,
)

revision_transitioned = _signals.signal(
    "revision-transitioned",
    doc="""A revision of a funded programme changed state (submitted, forwarded, approved,
    rejected, returned, withdrawn).

    `sender` is the Revision; keyword arguments: `proposal` (the programme), `trigger`,
    `to_state`, `actor` (the User, or None when a round's outcome decided it) and `comment`.
    Sent by `fund.revisions.operations` inside its transaction, once an approval is applied.
    Sent too, with the trigger `no_quorum` (`fund.revisions.operations.NO_QUORUM`) and the
    keyword argument `voting_round`, when a round about the revision closed without quorum:
    its state is unchanged (still with the committee, for a new round).
    """,
)
