"""The language of what the `flask fund ...` commands write for people.

A command answers in the language its environment asks for, as other command-line programs do:
`FUND_LANGUAGE` if set, else the first of `LANGUAGE`, `LC_ALL`, `LC_MESSAGES` and `LANG` that is
set (`fr_FR.UTF-8` asks for French; `LANGUAGE` may list several, `ar:fr`, the first the fund
speaks wins); a language the fund does not speak, or none, gives English. Only the output is
translated: the messages, the text tables and the PDFs a command writes. What a command stores
(audit events, kept figures, the open-data files) and its JSON are the same in every language.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask_babel import force_locale

from fund.i18n import DEFAULT, chosen
from fund.refusals import Refused

ENVIRONMENT = ("FUND_LANGUAGE", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def command_language(environ: dict[str, str] | None = None) -> str:
    """The language the environment asks for (see the module's docstring)."""
    environ = os.environ if environ is None else environ
    for name in ENVIRONMENT:
        value = environ.get(name, "").strip()
        if not value:
            continue
        for entry in value.split(":"):
            code = chosen(entry.split(".")[0].split("@")[0].split("_")[0].split("-")[0])
            if code:
                return code
        return DEFAULT
    return DEFAULT


@contextmanager
def in_command_language() -> Iterator[str]:
    """Messages, amounts and dates written inside are in the command's language."""
    language = command_language()
    with force_locale(language):
        yield language


def say(message: Any, *, err: bool = False, nl: bool = True) -> None:
    """Print `message` (a text, or a lazy translation such as `_l("...", n=...)`) in the
    command's language."""
    with in_command_language():
        click.echo(str(message), err=err, nl=nl)


def translated(message: Any) -> str:
    """`message` (a text, a lazy translation or an operation's refusal, `Refused`, translated
    as the pages translate it) in the command's language."""
    with in_command_language():
        return message.said() if isinstance(message, Refused) else str(message)


def refusal(message: Any, *, param_hint: str | None = None) -> click.ClickException:
    """The error a command stops with, its message (see `translated`) in the command's
    language: a bad value of `param_hint` (click's "Invalid value for ...") or, without one, a
    plain refusal."""
    text = translated(message)
    if param_hint:
        return click.BadParameter(text, param_hint=param_hint)
    return click.ClickException(text)


def echo_report(report: Any, output: str, render_text: Callable[[Any], str]) -> None:
    """Write a command's report as `output` asks: "json", its `to_dict()` as indented JSON
    (other scripts than Latin written as they are); else `render_text(report)`, in the
    command's language."""
    if output == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        with in_command_language():
            click.echo(render_text(report), nl=False)
