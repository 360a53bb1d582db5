"""Forms of the notification pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import AnyOf, InputRequired

from fund.forms import options
from fund.notifications.models import Delivery, Kind


class ButtonForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class PreferencesForm(FlaskForm):
    """One choice per kind the user may change; the fields are added by `preferences_form`."""

    kinds: list[Kind]

    def field_of(self, kind: Kind) -> RadioField:
        return self[f"kind_{kind.code}"]

    def choices(self) -> dict[str, str]:
        return {kind.code: self.field_of(kind).data for kind in self.kinds}


def preferences_form(
    kinds: Iterable[Kind], current: Mapping[str, str] | None = None
) -> PreferencesForm:
    """The form for these (optional) kinds: from the request when posted, else showing
    `current` (kind code -> delivery)."""
    kinds = list(kinds)
    values = [d.value for d in Delivery]

    class Form(PreferencesForm):
        pass

    for kind in kinds:
        setattr(
            Form,
            f"kind_{kind.code}",
            RadioField(
                gettext(kind.label),
                choices=options((d.value, gettext(d.label)) for d in Delivery),
                validators=[InputRequired(gettext("Choose how to receive it.")), AnyOf(values)],
                description=kind.described(),
            ),
        )
    if current is None:
        form = Form()
    else:
        form = Form(formdata=None, data={f"kind_{k.code}": current[k.code] for k in kinds})
    form.kinds = kinds
    return form
