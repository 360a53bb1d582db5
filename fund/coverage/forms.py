"""Forms of the coverage pages: the dashboard's filters, the targets, the simulator's picks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Self

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField
from wtforms.validators import Optional, ValidationError

from fund.coverage.model import (
    PERCENT_EXAMPLE,
    SHARE_PLACES,
    CoverageFilters,
    ShareError,
    checked_share,
    percent_share,
)
from fund.coverage.queries import CallChoice
from fund.coverage.simulator import Candidate
from fund.forms import DateField, DateRange, MultiCheckboxField, StringField, int_or_zero, options
from fund.labels import N_
from fund.money import TypedDecimal, latin_digits, typed_decimal

PERCENT_PLACES = SHARE_PLACES.scaleb(2)  # a share's six decimals are a percent's four
_NUMBER = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+")


def _call_id(value: Any) -> int:
    """A call's id from the query string; one that is not a number is no call of the list
    (-1), refused as an unknown one is, in words."""
    try:
        return int_or_zero(value)
    except (TypeError, ValueError):
        return -1


class FilterForm(DateRange, FlaskForm):
    """The dashboard's filters, read from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    call = SelectField(_l("Call"), coerce=_call_id, validate_choice=False)
    date_from = DateField(
        _l("From"),
        validators=[Optional()],
        description=_l("Date of allocation, else of submission."),
    )
    date_to = DateField(_l("To"), validators=[Optional()])

    def set_calls(self, calls: Iterable[CallChoice]) -> None:
        self.call.choices = options([(0, _("All calls")), *((c.id, c.title) for c in calls)])
        self._call_ids = {c.id for c in calls}

    def validate_call(self, field: Field) -> None:
        if field.data and field.data not in getattr(self, "_call_ids", set()):
            raise ValidationError(_("Choose a call from the list."))

    def filters(self) -> CoverageFilters:
        """The filters when valid; invalid ones are ignored (and their errors shown)."""
        return CoverageFilters(
            call_id=self.call.data or None if not self.call.errors else None,
            date_from=self.date_from.data if not self.date_from.errors else None,
            date_to=self.date_to.data if not self.date_to.errors else None,
        )


class PercentError(ShareError):
    """A typed percentage refused because it is not a number at all; a number is refused by
    the rule of a target share (`checked_share`), in the words the operation says too."""


def parse_percent(text: str | None) -> Decimal:
    """A typed percentage such as "4.3478", "12,5" or "20 %" as a share between 0 and 1; on an
    Arabic page also in Arabic-Indic digits with the Arabic decimal mark and percent sign (its
    digits and direction marks read as amounts' are, `latin_digits`)."""
    cleaned = latin_digits(text or "").rstrip("%\u066a").strip()
    cleaned = cleaned.replace(",", ".").replace("\u066b", ".")
    if not cleaned:
        return checked_share(None)  # refused: none given
    if not _NUMBER.fullmatch(cleaned.removeprefix("-")):
        raise PercentError(
            N_("“%(text)s” is not a percentage: use digits, e.g. %(example)s."),
            text=text or "",
            example=TypedDecimal(PERCENT_EXAMPLE),
        )
    return checked_share(percent_share(Decimal(cleaned)))


def format_percent(share: Decimal) -> str:
    """A share as the page's language types its percentage: 0.043478 -> "4.3478" ("4,3478" in
    French), 0.2 -> "20"."""
    return typed_decimal((share * 100).quantize(PERCENT_PLACES))


class PercentField(StringField):
    """A percentage typed by the user; `share` holds it as 0..1 once validated."""

    share: Decimal | None = None

    def pre_validate(self, form) -> None:
        self.share = None
        try:
            self.share = parse_percent(self.data)
        except ShareError as error:
            raise ValidationError(error.said()) from None


class TargetsForm(FlaskForm):
    """One percentage per objective and per thematic area; fields added by `targets_form`."""

    objective_keys: list[tuple[str, str]]
    area_keys: list[tuple[str, str]]

    def objective_field(self, key: str) -> PercentField:
        return self[f"objective_{key}"]

    def area_field(self, key: str) -> PercentField:
        return self[f"area_{key}"]

    def field_for(self, dimension: str, key: str) -> PercentField:
        return self[f"{dimension}_{key}"]

    def shares(self) -> dict[str, dict[str, Decimal]]:
        return {
            "objective": {k: self.objective_field(k).share for k, _ in self.objective_keys},
            "area": {k: self.area_field(k).share for k, _ in self.area_keys},
        }


def targets_form(
    objectives: Iterable[tuple[str, str]],
    areas: Iterable[tuple[str, str]],
    current: Mapping[str, Mapping[str, Decimal]] | None = None,
) -> TargetsForm:
    """The targets form for these (key, label) objectives and areas: from the request when
    posted, else filled with the `current` shares."""
    objectives, areas = list(objectives), list(areas)

    class Form(TargetsForm):
        pass

    for key, label in objectives:
        setattr(Form, f"objective_{key}", PercentField(_("Objective %(name)s", name=label)))
    for key, label in areas:
        setattr(Form, f"area_{key}", PercentField(_("Thematic area %(name)s", name=label)))
    if current is None:
        form = Form()
    else:
        data = {
            f"{dimension}_{key}": format_percent(share)
            for dimension, shares in current.items()
            for key, share in shares.items()
        }
        form = Form(formdata=None, data=data)
    form.objective_keys, form.area_keys = objectives, areas
    return form


class SimulatorForm(FlaskForm):
    """The proposals to pretend to fund, read from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    pick = MultiCheckboxField(
        _l("Proposals to fund in the simulation"), coerce=int, validate_choice=False
    )

    @classmethod
    def offering(cls, formdata: Any, candidates: Iterable[Candidate]) -> Self:
        """The form read from `formdata` (the query string), offering `candidates`."""
        form = cls(formdata=formdata)
        form.set_candidates(candidates)
        return form

    def page(self) -> dict[str, Any]:
        """What the page shows of the form: itself, the picked ids, how many were ignored."""
        return {"form": self, "picked_ids": set(self.picked()), "ignored": self.ignored()}

    def set_candidates(self, candidates: Iterable[Candidate]) -> None:
        self.pick.choices = options(
            (c.id, f"{c.reference} {c.title} ({c.organization})") for c in candidates
        )

    def picked(self) -> list[int]:
        """The picked candidates; anything else sent (stale or made-up values) is dropped."""
        allowed = {choice.value for choice in self.pick.choices or []}
        picked: list[int] = []
        for raw in self.pick.raw_data or []:
            value = int(raw) if raw.strip().isdigit() else None
            if value in allowed and value not in picked:
                picked.append(value)
        return picked

    def ignored(self) -> int:
        """How many distinct values sent were not candidates."""
        return len(set(self.pick.raw_data or [])) - len(self.picked())
