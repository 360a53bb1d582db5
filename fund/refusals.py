"""Refusals: an operation that will not do what was asked says why, in a sentence for the
person, and changes nothing. Each area has its own kind (CallRefused, CommitteeRefused,
FinanceError, AccountError, EditRefused, UploadRefused, PipelineRefused, ...), every one a
`Refused` (tests/test_refusals.py checks it); forms show them all the same way."""

from __future__ import annotations

from typing import Any, TypeVar

from flask_babel import gettext

from fund.sentences import N_, Sentence, said_marked
from workflows import TransitionRefused


class Refused(Exception):
    """An action refused with a sentence for the person; `field` names the form field the
    problem belongs to, if any; `stale` is True when the page the person acted on no longer
    shows the current state (someone else's change came first).

    A sentence marked for translation (`N_`) is given with the `values` of its placeholders
    (`fund.sentences.Sentence`): `message` is the sentence in English (what is logged and
    tested), `said()` the sentence in the language of the request's page. A refusal made from
    a workflow's (`problems`) says each of its problems."""

    problems: tuple[str, ...] = ()

    def __init__(
        self, message: str, field: str | None = None, *, stale: bool = False, **values: Any
    ) -> None:
        # A sentence given whole (a guard's problem) keeps its own values.
        kept = isinstance(message, Sentence) and not values
        self.sentence = message if kept else Sentence(message, **values)
        super().__init__(str(self.sentence))
        self.message = str(self.sentence)
        self.field = field
        self.stale = stale

    @property
    def template(self) -> str:
        return self.sentence.template

    @property
    def values(self) -> dict[str, Any]:
        return self.sentence.values

    @property
    def status(self) -> int:
        """What a page answers the refusal with: 409 when it was stale, else 400."""
        return 409 if self.stale else 400

    def said(self) -> str:
        """The sentence in the page's language (a view's only: it needs the request)."""
        if self.problems:
            # Each problem is a sentence of its own, with its full stop: one after another.
            return " ".join(said_marked(p) for p in self.problems)
        return said_marked(self.sentence)

    def translated(self) -> Refused:
        """The same refusal, its sentence in the page's language (to show on a form)."""
        made = type(self).__new__(type(self))
        made.__dict__.update(self.__dict__)
        Refused.__init__(made, self.said(), self.field, stale=self.stale)
        made.problems = ()
        return made


def show_on_form(form: Any, refused: Refused, default: str | None = None) -> str | None:
    """Put the refusal's sentence, in the page's language, at its field on `form` (or at
    `default` when it names no field of the form) and return None; return the sentence when it
    belongs to no field, for the page to show above the form."""
    name = refused.field if refused.field and refused.field in form else default
    sentence = refused.said()
    if name is None:
        return sentence
    form[name].errors = [*form[name].errors, sentence]
    return None


def place(errors: dict[str, str], refused: Refused, default: str | None = None) -> str | None:
    """`show_on_form` for a page that keeps its errors by field name (a report, a revision:
    `page.errors`, which the page's summary lists): the sentence at the refusal's field (or
    at `default`) and None; the sentence, for above the form, when it names no field."""
    name = refused.field or default
    sentence = refused.said()
    if name is None:
        return sentence
    errors[name] = sentence
    return None


def answer(
    form: Any, error: Exception, lost_race: Any, *, moved_on: str | None = None
) -> tuple[Any, int]:
    """What a page shows above its form of a refused action, and the status it answers with
    (the `refusal` of `fund.web.submit`); one rule for every page that changes something:

    - the area's own refusal (`Refused`): at its field on the form (nothing above it), else its
      sentence; 409 when it says the page no longer showed the current state, else 400;
    - a workflow's refusal (`TransitionRefused`): the refusal itself, which `_refusal.html`
      says in the page's language (each problem, else its reason), 400; or `moved_on` (a
      sentence marked `N_`), 409, when the page offers actions of a state that had passed;
    - anything else the view lists as refused is a race lost to someone else's change (a row's
      version, a unique index): `lost_race`, 409 (marked `N_`, or a lazy sentence)."""
    if isinstance(error, Refused):
        return show_on_form(form, error), error.status
    if isinstance(error, TransitionRefused):
        if moved_on is not None and error.reason == "state":
            return gettext(moved_on), 409
        return error, 400
    return (gettext(lost_race) if isinstance(lost_race, str) else str(lost_race)), 409


R = TypeVar("R", bound=Refused)

# What a person is told of a workflow's refusal that is not its guards' problems. The refusal's
# own text (`str()`: "Cannot withdraw: a comment is required.") stays the English of the logs.
REASON_SENTENCES = {
    "comment": N_("Write a comment: a comment is required for this action."),
    "state": N_(
        "This action is not possible where things stand now. Reload the page to see the "
        "current state."
    ),
    "role": N_("Your role does not allow this action."),
    "unknown_trigger": N_("There is no such action."),
}


def action_problems(refused: TransitionRefused) -> list[str]:
    """What a workflow's refusal says to the person, a sentence each (to be said in the page's
    language): the problems its guards found, else the sentence of its reason."""
    if refused.reason == "guard" and refused.problems:
        # A guard's problem is a `Sentence` or a sentence marked for translation as it is.
        return [p if isinstance(p, Sentence) else Sentence(p) for p in refused.problems]
    return [Sentence(REASON_SENTENCES[refused.reason])]


def workflow_refusal(refused: TransitionRefused, kind: type[R]) -> R:
    """A workflow's refusal as the area's refusal `kind`: its problems in one sentence, on the
    comment field when a comment was missing, stale when the state had already changed."""
    message = "; ".join(map(str, refused.problems)) if refused.problems else str(refused)
    made = kind(
        message,
        "comment" if refused.reason == "comment" else None,
        stale=refused.reason == "state",
    )
    made.problems = tuple(action_problems(refused))  # for a page to say in its language
    return made
