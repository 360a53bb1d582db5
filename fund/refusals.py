"""Refusals: an operation that will not do what was asked says why, in a sentence for the
person, and changes nothing. Each area has its own kind (CallRefused, CommitteeRefused,
FinanceError, AccountError, EditRefused, UploadRefused, PipelineRefused, ...), every one a
`Refused` (tests/test_refusals.py checks it); forms show them all the same way."""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """An action refused with a sentence for the person; `field` names the form field the
    problem belongs to, if any; `stale` is True when the page the person acted on no longer
    shows the current state (someone else's change came first)."""

    def __init__(self, message: str, field: str | None = None, *, stale: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.stale = stale


def show_on_form(form: Any, refused: Refused, default: str | None = None) -> str | None:
    """Put the refusal's sentence at its field on `form` (or at `default` when it names no
    field of the form) and return None; return the sentence when it belongs to no field, for
    the page to show above the form."""
    name = refused.field if refused.field and refused.field in form else default
    if name is None:
        return refused.message
    form[name].errors = [*form[name].errors, refused.message]
    return None
