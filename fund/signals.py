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
    (the User), `comment` (str or None) and `event` (the AuditEvent written).
    """,
)
