"""One kind of refusal: every area's refusal carries a sentence and the field it belongs to,
and forms show it the same way."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import date

import pytest
from wtforms import Form, StringField

import fund
from fund.accounts.operations import AccountError
from fund.calls.operations import CallRefused
from fund.committee.operations import CommitteeRefused
from fund.finance.operations import FinanceError
from fund.labels import N_
from fund.pipeline.operations import STALE, PipelineRefused
from fund.refusals import Refused, answer, place, show_on_form


class _Form(Form):
    title = StringField()
    amount = StringField()


@pytest.mark.parametrize(
    "refused",
    [
        AccountError("That email is taken.", "email"),
        CallRefused("The call closes before it opens.", "closes_on"),
        CommitteeRefused("The round is closed.", field="choice", stale=True),
        FinanceError("More than the share.", "amount"),
    ],
)
def test_every_area_refuses_with_a_sentence_and_a_field(refused):
    assert isinstance(refused, Refused)
    assert refused.message == str(refused)
    assert refused.field in {"email", "closes_on", "choice", "amount"}


def test_a_refusal_is_shown_at_its_field_or_above_the_form():
    form = _Form()
    assert show_on_form(form, FinanceError("More than the share.", "amount")) is None
    assert form.amount.errors == ["More than the share."] and not form.title.errors

    assert show_on_form(form, CallRefused("Refused.")) == "Refused."
    assert show_on_form(form, CommitteeRefused("Stale.", field="nowhere")) == "Stale."
    assert show_on_form(form, CallRefused("Give a title."), default="title") is None
    assert form.title.errors == ["Give a title."]


def test_a_page_keeping_errors_by_field_places_a_refusal_by_the_same_rule():
    errors: dict[str, str] = {}
    assert place(errors, FinanceError("More than the share.", "amount")) is None
    assert errors == {"amount": "More than the share."}
    assert place(errors, CallRefused("Refused.")) == "Refused."
    assert place(errors, CallRefused("Give a title."), default="title") is None
    assert errors == {"amount": "More than the share.", "title": "Give a title."}
    assert CallRefused("Refused.").status == 400
    assert CommitteeRefused("The round is closed.", stale=True).status == 409


def test_every_page_answers_a_refused_action_by_one_rule(app):
    from flask_babel import force_locale
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    from fund.committee.views import CONCURRENT_MESSAGE
    from workflows import TransitionRefused

    lost = N_("Someone else changed this meeting at the same moment.")
    moved = N_("Review the note below.")
    with app.test_request_context("/"), force_locale("fr"):
        form = _Form()
        # The area's refusal: at its field (nothing above the form), else above it.
        assert answer(form, FinanceError("Beyond the share.", "amount"), lost) == (None, 400)
        assert form.amount.errors == ["Beyond the share."]
        assert answer(form, CommitteeRefused("Closed.", stale=True), lost) == ("Closed.", 409)
        # A workflow's refusal is handed to the page, which says each problem.
        guard = TransitionRefused("guard", "submit", "draft", "…", problems=["Give a title."])
        assert answer(form, guard, lost) == (guard, 400)
        state = TransitionRefused("state", "invite", "withdrawn", "the note is gone.")
        assert answer(form, state, lost) == (state, 400)
        assert answer(form, state, lost, moved_on=moved) == (moved, 409)
        assert answer(form, guard, lost, moved_on=moved) == (guard, 400)
        # A race lost to someone else's change, in the page's language.
        race = IntegrityError("INSERT", {}, Exception("unique"))
        assert answer(form, race, lost) == (lost, 409)
        said, status = answer(form, StaleDataError(), CONCURRENT_MESSAGE)
        assert status == 409
        assert said.startswith("Quelqu'un d'autre a agi sur ce tour au même moment.")


# Not a sentence for the person: a form key that was never issued answers a plain 400.
NOT_SAID_TO_ANYONE = {"FormKeyRefused"}


def _refusal_kinds() -> dict[str, type]:
    kinds: dict[str, type] = {}
    for module in pkgutil.walk_packages(fund.__path__, "fund."):
        loaded = importlib.import_module(module.name)
        for name, kind in inspect.getmembers(loaded, inspect.isclass):
            if name.endswith("Refused") and kind.__module__ == loaded.__name__:
                kinds[f"{kind.__module__}.{name}"] = kind
    return kinds


def test_every_kind_of_refusal_is_a_refused(app):
    kinds = _refusal_kinds()
    assert len(kinds) >= 15, sorted(kinds)
    apart = [
        path
        for path, kind in kinds.items()
        if not issubclass(kind, Refused) and kind.__name__ not in NOT_SAID_TO_ANYONE
    ]
    assert apart == []


def test_a_stale_pipeline_says_so():
    refused = PipelineRefused(STALE, stale=True)
    assert (refused.message, refused.field, refused.stale) == (STALE, None, True)
    assert str(refused) == STALE


def test_a_refusal_and_an_unreadable_amount_are_english_and_said_in_the_pages_language(app):

    from flask_babel import force_locale

    from fund.money import AmountError, parse_amount
    from fund.sentences import Sentence

    refused = FinanceError(
        "%(amount)s, planned %(day)s", "amount", amount="USD 5.00", day=date(2026, 3, 4)
    )
    assert refused.message == "USD 5.00, planned 4 March 2026"
    with pytest.raises(AmountError) as unreadable:
        parse_amount("-5")
    assert str(unreadable.value) == "Amounts cannot be negative."
    status = PipelineRefused("The proposal is “%(status)s”.", status=Sentence("Approved"))
    with app.test_request_context("/"), force_locale("es"):
        assert unreadable.value.said() == "Los importes no pueden ser negativos."
        with force_locale("fr"):
            assert refused.said() == "USD 5.00, prévue le 4 mars 2026"
            assert refused.translated().message == refused.said()
            assert refused.translated().field == "amount"
            # A sentence the catalogs do not hold reads in English, its label translated.
            assert status.said() == "The proposal is “Approuvée”."


def test_a_refusal_made_of_a_guards_sentence_keeps_its_values(app):
    from flask_babel import force_locale

    from fund.sentences import Sentence

    problem = Sentence("%(amount)s, planned %(day)s", amount="USD 5.00", day=date(2026, 3, 4))
    refused = FinanceError(problem)
    assert refused.message == "USD 5.00, planned 4 March 2026"
    with app.test_request_context("/"), force_locale("fr"):
        assert refused.said() == "USD 5.00, prévue le 4 mars 2026"


def test_screenings_and_coverage_targets_refuse_as_every_area_does():
    from fund.coverage.operations import TargetError
    from fund.screening.operations import ScreeningError

    screening = ScreeningError("Some checks could not be saved.", {3: "Choose pass or fail."})
    targets = TargetError({("objective", "1"): "Give a target share."}, {"area": "Add up."})
    assert isinstance(screening, Refused) and isinstance(targets, Refused)
    assert (screening.message, screening.errors) == (
        "Some checks could not be saved.",
        {3: "Choose pass or fail."},
    )
    assert targets.message == "Add up.; Give a target share."
    assert targets.field_errors == {("objective", "1"): "Give a target share."}


def test_the_committees_refusals_are_english_and_said_in_the_pages_language(app):
    from types import SimpleNamespace

    from flask_babel import force_locale

    from fund.committee.decisions import agreed_outcome

    with app.test_request_context("/"), force_locale("fr"):
        with pytest.raises(CommitteeRefused) as refused:
            agreed_outcome(SimpleNamespace(quorum_met=False), "pipeline", 2)
        assert refused.value.message.startswith("Round 2 has no quorum yet")
        assert refused.value.said().startswith("Le tour 2 n'a pas encore")


def test_a_day_or_a_moment_in_a_refusal_is_english_and_said_in_the_pages_language(app):
    """A finance refusal's date and a committee sentence's moment are kept English ("5 March
    2026") and said in the page's language, written as `fund.days` writes a day."""
    from datetime import UTC, date, datetime

    from flask_babel import force_locale

    from fund.committee.workflow import when
    from fund.finance.operations import FinanceError, _check_date
    from fund.sentences import said

    with app.test_request_context("/"), force_locale("fr"):
        with pytest.raises(FinanceError) as refused:
            _check_date(date(2026, 3, 2), datetime(2026, 3, 1, 8, tzinfo=UTC), "payment", "paid_on")
        assert refused.value.message == (
            "The payment date cannot be in the future (today is 1 March 2026, UTC)."
        )
        assert "(nous sommes le 1er mars 2026, UTC)" in refused.value.said()
        deadline = when(datetime(2026, 3, 5, 23, 59, tzinfo=UTC))
        assert deadline == "5 March 2026, 23:59 UTC"
        assert said(deadline) == "5 mars 2026, 23:59 UTC"


def test_an_upload_refused_is_said_in_the_pages_language(app):
    from flask_babel import force_locale

    from fund.proposals.attachments import UploadRefused, check_content

    with app.test_request_context("/"), force_locale("fr"):
        with pytest.raises(UploadRefused) as wrong_type:
            check_content("notes.txt", b"plain words", ["pdf", "docx", "xlsx"], 10_000)
        with pytest.raises(UploadRefused) as too_large:
            check_content("big.pdf", b"%PDF-1.4" + b"x" * 2_000, ["pdf"], 1_000)
    assert wrong_type.value.message == (
        "Only PDF, DOCX or XLSX files are accepted; this file is not one of them."
    )
    assert too_large.value.message.startswith("The file is ")
    with app.test_request_context("/"), force_locale("fr"):
        assert wrong_type.value.said() == (
            "Seuls les fichiers PDF, DOCX ou XLSX sont acceptés\u00a0; "
            "ce fichier n'en fait pas partie."
        )
        assert too_large.value.said().startswith("Le fichier fait ")


def test_amounts_and_shares_in_a_sentence_follow_the_pages_language(app):
    from decimal import Decimal

    from flask_babel import force_locale

    from fund.finance.tranche import percent
    from fund.i18n import Money
    from fund.sentences import Sentence

    problem = Sentence(
        "%(organization)s reported %(spent)s spent, %(share)s of the %(transferred)s "
        "transferred; %(required)s is required.",
        organization="ILO",
        spent=Money(Decimal("1234567.05")),
        share=percent(Decimal("0.699")),
        transferred=Money(Decimal("1766190.00")),
        required=percent(Decimal("0.7")),
    )
    assert problem == (
        "ILO reported USD 1,234,567.05 spent, 69% of the USD 1,766,190.00 transferred; "
        "70% is required."
    )
    with app.test_request_context("/"), force_locale("fr"):
        assert FinanceError(problem).said() == (
            "ILO a déclaré 1\u202f234\u202f567,05\u00a0$US de dépenses, soit 69\u00a0% des "
            "1\u202f766\u202f190,00\u00a0$US transférés\u00a0; 70\u00a0% sont exigés."
        )


def _refusals_written_in_english() -> list[str]:
    """Where the code raises a refusal, returns a guard's problem or gives the sentence of a
    refusal the database may make, with a sentence written out (a string or an f-string)
    instead of one marked for translation (`N_(...)` with its values)."""
    import ast
    from pathlib import Path

    names = {
        kind.__name__
        for kind in _refusal_kinds().values()
        if issubclass(kind, Refused) and kind.__name__ not in NOT_SAID_TO_ANYONE
    }
    names |= {kind.__name__ for kind in _all_subclasses(Refused)}
    root = Path(fund.__file__).parent
    found = []

    def written(node) -> bool:
        if isinstance(node, ast.BoolOp):  # `said or f"..."`: a fallback written out
            return any(written(value) for value in node.values)
        if isinstance(node, ast.IfExp):
            return written(node.body) or written(node.orelse)
        return isinstance(node, ast.Constant | ast.JoinedStr) and not (
            isinstance(node, ast.Constant) and not isinstance(node.value, str)
        )

    for path in sorted(root.rglob("*.py")):
        where = str(path.relative_to(root.parent))
        guards = path.name in GUARD_MODULES
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                call = node.exc
                name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
                if name in names and call.args and written(call.args[0]):
                    found.append(f"{where}:{node.lineno} {name}")
                said_at = SAID_ARGUMENT.get(name or "")
                if said_at is not None and len(call.args) > said_at and written(call.args[said_at]):
                    found.append(f"{where}:{node.lineno} {name}")
            elif isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                # A refusal made to be returned or raised later ("return AccountError(...)").
                if name in names and node.args and written(node.args[0]):
                    found.append(f"{where}:{node.lineno} {name}")
                # The sentence of a refusal the database may make (a check or a unique index).
                given = [k.value for k in node.keywords if k.arg == "refusal"]
                if name in REFUSAL_ARGUMENT and len(node.args) > REFUSAL_ARGUMENT[name]:
                    given.append(node.args[REFUSAL_ARGUMENT[name]])
                found += [f"{where}:{node.lineno} {name}" for value in given if written(value)]
                # A sentence a page says later, in the language of that page (`gettext`).
                later = [k.value for k in node.keywords if k.arg in SAID_LATER_KEYWORDS]
                if name in SAID_LATER_LAST and node.args:
                    later.append(node.args[-1])
                found += [f"{where}:{node.lineno} {name}" for value in later if written(value)]
            elif (
                guards
                and isinstance(node, ast.Return)
                and isinstance(node.value, ast.List)
                and any(written(item) for item in node.value.elts)
            ):
                found.append(f"{where}:{node.lineno} a guard's problem")  # a guard's problems
    return found


# Modules whose functions return a guard's problems, and the functions that take the sentence
# of a refusal the database may make (the position of that argument).
GUARD_MODULES = {"guards.py", "workflow.py", "results_check.py"}
REFUSAL_ARGUMENT = {"_add": 1, "_add_all": 0, "_move": 1, "_move_pool": 1}
# Other errors a page shows to a person, by the position of their sentence: a query value the
# address got wrong (the 400 page), a form field's problem.
SAID_ARGUMENT = {"BadQueryValue": 1, "StopValidation": 0, "ValidationError": 0}
# Sentences a page is given to say later in its language: a lost race's, a passed state's, what
# a form sent again had recorded (`WorkflowButtons.press`, its last argument).
SAID_LATER_KEYWORDS = {"lost_race", "moved_on", "what"}
SAID_LATER_LAST = {"press"}


def _all_subclasses(kind: type) -> set[type]:
    found = set(kind.__subclasses__())
    for sub in list(found):
        found |= _all_subclasses(sub)
    return found


def test_every_refusal_in_the_code_is_marked_for_translation(app):
    """A refusal is said to a person in the page's language: its sentence is marked (`N_`),
    so that the catalogs hold it; none is written out in English where it is raised."""
    assert _refusals_written_in_english() == []


def test_a_form_shows_a_refusal_in_the_pages_language(app):
    from flask_babel import force_locale

    refused = AccountError(N_("Your current password is not correct."), "current_password")
    with app.test_request_context("/"), force_locale("fr"):
        form = _Form()
        assert show_on_form(form, refused, default="title") is None
        assert form.title.errors == ["Votre mot de passe actuel n'est pas correct."]


def test_the_proposal_guards_problems_are_english_and_said_in_the_pages_language(app):
    """A guard's problem is a sentence: English as the workflow records it ("5 March 2026"),
    in the page's language where it is shown."""
    from types import SimpleNamespace

    from flask_babel import force_locale

    from fund.proposals import guards
    from fund.sentences import said_marked

    call = SimpleNamespace(
        title="Call 2025", opens_on=date(2025, 1, 5), closes_on=date(2025, 3, 31)
    )
    # A draft: a proposal returned for revision goes in again whatever the call's dates.
    proposal = SimpleNamespace(call=call, organization=SimpleNamespace(name="ILO"), status="draft")
    early = guards.call_open(proposal, None, {"today": date(2025, 1, 1)})
    late = guards.call_open(proposal, None, {"today": date(2025, 4, 1)})
    other = guards.own_organization(proposal, SimpleNamespace(organization_id=None), {})
    note = SimpleNamespace(invited_until=date(2025, 4, 1))
    deadline = guards.invitation_recorded(note, None, {"today": date(2025, 4, 9)})
    assert early == ["The call “Call 2025” opens on 5 January 2025."]
    assert late == ["The call “Call 2025” closed on 31 March 2025."]
    assert other == ["Only people of ILO can do this for their proposal."]
    assert deadline == ["The deadline must be a date after today (9 April 2025)."]
    with app.test_request_context("/"), force_locale("fr"):
        assert said_marked(early[0]) == "L'appel « Call 2025 » ouvre le 5 janvier 2025."
        assert said_marked(late[0]) == "L'appel « Call 2025 » a été clos le 31 mars 2025."
        assert said_marked(other[0]).startswith("Seules les personnes de ILO")
        assert "(9 avril 2025)" in said_marked(deadline[0])


def test_a_throttled_sign_in_is_english_and_said_in_the_pages_language(app):
    from datetime import timedelta

    from flask_babel import force_locale

    from fund.accounts.limits import AttemptLimit
    from fund.accounts.throttle import Throttled

    policy = AttemptLimit(attempts=20, window=timedelta(minutes=15))
    one, two = Throttled(policy, 30), Throttled(policy, 90)
    assert "(20 within 15 minutes). Wait 1 minute, then try again." in str(one)
    assert "Wait 2 minutes, then try again." in str(two)
    with app.test_request_context("/"), force_locale("fr"):
        assert "(20 en 15 minutes). Attendez 1 minute, puis réessayez." in one.said()
        assert "Attendez 2 minutes, puis réessayez." in two.said()


def test_a_revision_asked_too_late_is_one_sentence_said_in_the_pages_language(app, monkeypatch):
    """The guard, the operation and the page say why with the same sentence."""
    from flask_babel import force_locale

    from fund.revisions import workflow
    from fund.sentences import said

    end, last = date(2027, 6, 30), date(2027, 5, 31)
    monkeypatch.setattr(workflow, "request_deadline", lambda proposal: (30, end, last))
    assert workflow.too_late(None, last) is None
    problem = workflow.too_late(None, date(2027, 6, 1))
    assert problem == (
        "A revision is requested at least 30 days before the programme's end date "
        "(30 June 2027): the last day to request one was 31 May 2027."
    )
    with app.test_request_context("/"), force_locale("fr"):
        assert "(30 juin 2027)" in said(problem) and said(problem).endswith("31 mai 2027.")


def test_an_amount_too_large_is_refused_with_the_limit_as_the_pages_language_writes_it(app):
    from decimal import Decimal

    from flask_babel import force_locale

    from fund.finance import agent
    from fund.i18n import Amount, from_kept, kept

    with pytest.raises(FinanceError) as refused:
        agent._amount(Decimal("1000000000000"), "amount")
    assert refused.value.message == "The amount cannot be more than 999,999,999,999.99."
    with app.test_request_context("/"), force_locale("fr"):
        said = refused.value.said()
    assert "999\u202f999\u202f999\u202f999,99" in said and "999,999" not in said
    limit = refused.value.values["max"]
    assert from_kept(kept(limit)) == limit and isinstance(from_kept(kept(limit)), Amount)


def test_every_page_says_a_refused_action_through_the_refusal_macros():
    """A page's refusal goes through `_refusal.html` (`refusal`, `refusal_said`), which says a
    workflow's refusal in the page's language problem by problem: no page prints it itself."""
    from pathlib import Path

    templates = Path(fund.__file__).resolve().parent.parent / "templates"
    printed = [
        str(path.relative_to(templates))
        for path in sorted(templates.rglob("*.html"))
        if path.name != "_refusal.html" and re.search(r"<p>\{\{ error \}\}</p>", path.read_text())
    ]
    assert printed == []
