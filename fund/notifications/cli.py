"""`flask fund mail ...`: the outbox (sending it, listing it), digests, vote-deadline and report
reminders.

Schedule them with cron (or a systemd timer), for example:
    */5 * * * *  flask fund mail send-pending
    0 * * * *    flask fund mail remind-deadlines --hours 48
    0 6 * * *    flask fund mail digest
    0 5 * * *    flask fund mail remind-reports
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from fund.cli_language import say, translated
from fund.cli_options import count_option
from fund.committee.models import DEADLINE_NEAR
from fund.extensions import db
from fund.notifications import operations, outbox, queries

mail_cli = AppGroup(
    "mail", help="Send waiting email, daily digests and vote reminders; list the outbox."
)


def _outbox() -> None:
    status = queries.outbox_status()
    say(
        _l(
            "Outbox: %(waiting)s waiting, %(given_up)s given up.",
            waiting=status["waiting"],
            given_up=status["given_up"],
        )
    )


def _report(report: outbox.DeliveryReport) -> None:
    say(
        _l(
            "Sent %(sent)s; failed %(failed)s (will be retried); given up %(given_up)s.",
            sent=report.sent,
            failed=report.failed,
            given_up=report.given_up,
        )
    )
    for error in report.errors:
        say(f"  {error}", err=True)
    _outbox()


@mail_cli.command("send-pending")
@count_option("--limit", help="Send at most this many messages.")
@click.option(
    "--due-only",
    is_flag=True,
    help="Only the messages that are due: those waiting after an outage wait out their "
    "back-off too.",
)
@click.option(
    "--include-waiting",
    is_flag=True,
    help="Try every unsent message now, whatever its back-off (after fixing a problem other "
    "than an unreachable server, such as a refused login or a full mailbox).",
)
def send_pending_command(limit: int | None, due_only: bool, include_waiting: bool) -> None:
    """Send the outbox messages that are due: new ones, and failed ones whose wait is over.

    After an outage of the mail server no flag is needed: the messages that failed because the
    server could not be reached are tried again at once when it answers (a message goes out,
    or a connection opens), without waiting out their back-off. While the server is still
    down they are not tried, so no attempt is spent on them. A message is given up on when
    the server refuses it for good or after its last attempt; the secretariat is told.
    """
    if due_only and include_waiting:
        raise click.UsageError(translated(_l("Choose --due-only or --include-waiting, not both.")))
    _report(
        outbox.deliver(
            limit=limit, include_waiting=include_waiting, resume_after_outage=not due_only
        )
    )


@mail_cli.command("digest")
def digest_command() -> None:
    """Write and send each user's digest of the notifications waiting for it."""
    written = operations.write_digests()
    db.session.commit()  # the after-commit hook sends them; what fails waits in the outbox
    say(_l("Digests written: %(num)s.", num=written))
    _outbox()


@mail_cli.command("remind-deadlines")
@count_option(
    "--hours",
    default=DEADLINE_NEAR // timedelta(hours=1),
    help="Remind of deadlines falling within this many hours (the Home marks the same ones).",
)
def remind_deadlines_command(hours: int) -> None:
    """Remind committee members who have not voted of a round's approaching deadline (once per
    member and round)."""
    written = operations.remind_deadlines(timedelta(hours=hours))
    db.session.commit()  # sent after the commit, like every notification
    say(_l("Reminders written: %(num)s.", num=written))
    _outbox()


@mail_cli.command("remind-reports")
def remind_reports_command() -> None:
    """Remind the programmes' staff of a report due in REPORT_REMINDER_DAYS days (30, 7 or 1 by
    default), and tell them and the secretariat of a report overdue (each once per report and
    due date)."""
    from fund.notifications.report_reminders import remind_reports

    written = remind_reports()
    db.session.commit()  # sent after the commit, like every notification
    say(_l("Report reminders written: %(num)s.", num=written))
    _outbox()


def _one_line(text: str) -> str:
    """`text` on one line: its tabs and line breaks as spaces (the fields are tab-separated)."""
    return " ".join(text.split())


@mail_cli.command("list")
@click.option(
    "--state",
    type=click.Choice([state.value for state in queries.OutboxState]),
    help="Only the messages waiting to be sent, sent, or given up on.",
)
@click.option("--to", default="", help="Only the messages whose recipient's address holds TEXT.")
@count_option("--limit", default=50, help="Print at most this many messages, the newest first.")
def list_command(state: str | None, to: str, limit: int) -> None:
    """Print the outbox, the newest first, one message a line, its fields separated by tabs:
    when it was written (UTC), its state, its attempts, its recipient and its subject."""
    chosen = queries.OutboxState(state) if state else None
    messages = queries.outbox_messages(chosen, to, limit=limit)
    for message in messages:
        fields = (
            message.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            queries.OutboxState.of(message).value,
            str(message.attempts),
            message.to_email,
            _one_line(message.subject),
        )
        click.echo("\t".join(fields))
    if not messages:
        say(_l("No email matches."), err=True)
