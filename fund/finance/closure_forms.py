"""Forms of the closure pages: closing a programme (each organization's final expenditure, the
closing date, the reason) and recording a refund. Amounts and dates are text, so what was typed
stays on the page next to its message."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms.validators import Length

from fund.finance.closure import expenditure_field, expenditure_problem
from fund.finance.forms import (
    AmountForm,
    VersionForm,
    _date_field,
    _reference_field,
    amount_field,
)
from fund.forms import StringField, long_text
from fund.money import AmountError, parse_amount
from fund.refusals import Refused, show_on_form
from fund.sentences import said


class CloseProgrammeForm(VersionForm):
    """Close a funded programme; `close_form_for` adds a final expenditure field for each
    participating organization."""

    closed_on = _date_field(_l("Closing date (UTC)"), required=False)
    reason = long_text(
        _l("Reason for closing"),
        description=_l(
            "Required unless every organization has been paid its share in full and the final "
            "narrative and financial reports are accepted. Recorded in the audit log."
        ),
    )

    organization_ids: tuple[int, ...] = ()
    # Each organization's name and what it was transferred, as the page showed them.
    transferred: dict[int, tuple[str, Decimal]] = {}
    final_expenditure: dict[int, Decimal]
    # What else would refuse closing (the closing date, a reason wanted), given the date and
    # the reason typed: `fund.finance.closure.close_problems` for the programme.
    problems: Callable[[date | None, str], list[Refused]] | None = None

    def validate(self, extra_validators=None) -> bool:
        """Every final expenditure read and checked at once, each error at its field: an
        amount, not below zero, at most what was transferred (closing checks it again under
        its locks); with them, the closing date's and the missing reason's (`problems`)."""
        ok = super().validate(extra_validators)
        self.final_expenditure = {}
        for organization_id in self.organization_ids:
            field = self[expenditure_field(organization_id)]
            text = (field.data or "").strip()
            if not text:
                continue  # the accepted financial reports' figure
            try:
                value = parse_amount(text)
            except AmountError as error:
                field.errors.append(error.said())
                ok = False
                continue
            name, transferred = self.transferred.get(organization_id, ("", None))
            if (problem := expenditure_problem(name, value, transferred)) is not None:
                field.errors.append(said(problem))
                ok = False
                continue
            self.final_expenditure[organization_id] = value
        if self.problems is not None and not self.closed_on.errors:
            for refused in self.problems(self.closed_on.data, self.reason.data or ""):
                if (sentence := show_on_form(self, refused)) is not None:
                    self.form_errors.append(sentence)
                ok = False
        return ok


def close_form_for(
    shares: Iterable,
    problems: Callable[[date | None, str], list[Refused]] | None = None,
    **kwargs,
) -> CloseProgrammeForm:
    """The close form with a field per organization of `shares` (each with `organization_id`,
    `name` and `transferred`); `problems`: what else would refuse closing (see the form)."""
    shares = list(shares)
    checks = problems

    class Form(CloseProgrammeForm):
        organization_ids = tuple(share.organization_id for share in shares)
        transferred = {share.organization_id: (share.name, share.transferred) for share in shares}
        problems = staticmethod(checks) if checks is not None else None

    for share in shares:
        setattr(
            Form,
            expenditure_field(share.organization_id),
            StringField(
                _l("%(organization)s: final expenditure (USD)", organization=share.name),
                validators=[Length(max=30)],
                description=_l(
                    "What the organization spent over the whole programme, at most what was "
                    "transferred to it. Left blank: the total of its accepted financial reports."
                ),
            ),
        )
    return Form(**kwargs)


class RefundForm(AmountForm):
    """A refund received from one organization; build it with prefix=refund_prefix(...) so that
    the forms of several refunds due can share a page."""

    received_on = _date_field(_l("Received on (UTC)"), today=True)
    amount = amount_field()
    reference = _reference_field()


def refund_prefix(proposal_id: int, organization_id: int) -> str:
    return f"refund{proposal_id}_{organization_id}"
