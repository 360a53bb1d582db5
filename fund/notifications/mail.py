"""Sending one email: through SMTP when MAIL_SERVER is set, otherwise into the log.

`open_transport(config)` gives a transport to send several messages over one connection.
Errors are raised to the caller (the outbox records them); `PermanentFailure` marks a message
the server refused for good (an unknown recipient, a rejected sender), which retrying cannot
fix.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol

from config import setting

log = logging.getLogger("fund.mail")


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    message_id: int | None = None  # the outbox row, for the logs


class PermanentFailure(Exception):
    """The server refused the message for good: retrying it cannot help."""


class ConnectionFailure(Exception):
    """The server could not be reached or dropped the connection: the next messages of the
    same batch would fail the same way."""


class Transport(Protocol):
    def send(self, email: Email) -> None: ...

    def check(self) -> None:
        """Raise ConnectionFailure if the server cannot be reached now."""

    def close(self) -> None: ...


# Characters a header value cannot hold as they are: a line break would end the header (or
# start another), and the other controls have no place in one line either.
_NOT_IN_A_HEADER = re.compile("[\\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(value: str) -> str:
    """`value` as one header line: each run of line breaks, tabs, other control characters
    and spaces becomes one space. A proposal title or name that came in with a line break
    still gives a subject, rather than a message that cannot be built (and is never sent)."""
    return _NOT_IN_A_HEADER.sub(" ", value).strip()


def build_message(email: Email, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = header_text(sender)
    message["To"] = header_text(email.to)
    message["Subject"] = header_text(email.subject)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain.strip(">"))
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


class LogTransport:
    """No mail server configured: the message goes to the application log."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send(self, email: Email) -> None:
        log.info(
            "Mail (no MAIL_SERVER configured, not sent) #%s to %s: %s\n%s",
            email.message_id,
            email.to,
            email.subject,
            email.text,
        )

    def check(self) -> None:
        return None

    def close(self) -> None:
        return None


class SMTPTransport:
    """One SMTP connection, opened on the first message; STARTTLS and login when configured."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.host = config["MAIL_SERVER"]
        self.port = int(config["MAIL_PORT"])
        self.use_tls = bool(config.get("MAIL_USE_TLS"))
        self.username = config.get("MAIL_USERNAME") or ""
        self.password = config.get("MAIL_PASSWORD") or ""
        self.sender = config["MAIL_DEFAULT_SENDER"]
        self.timeout = float(setting(config, "MAIL_TIMEOUT_SECONDS"))
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as error:
            raise ConnectionFailure(f"cannot reach {self.host}:{self.port}: {error}") from error
        try:
            if self.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
        except (OSError, smtplib.SMTPException) as error:
            _quietly_close(smtp)
            raise ConnectionFailure(f"{self.host}:{self.port}: {error}") from error
        return smtp

    def send(self, email: Email) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        message = build_message(email, self.sender)
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentFailure(f"recipient refused: {error.recipients}") from error
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600:
                raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            _quietly_close(self._smtp)
            self._smtp = None
            raise ConnectionFailure(f"{self.host}:{self.port}: {error}") from error

    def check(self) -> None:
        """Connect (the connection is kept for the messages that follow)."""
        if self._smtp is None:
            self._smtp = self._connect()

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                _quietly_close(smtp)


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        log.debug("closing the SMTP connection failed", exc_info=True)


def open_transport(config: Mapping[str, Any]) -> Transport:
    if config.get("MAIL_SERVER"):
        return SMTPTransport(config)
    return LogTransport(config["MAIL_DEFAULT_SENDER"])
