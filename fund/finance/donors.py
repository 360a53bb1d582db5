"""A donor recorded with its first contribution: the organization is created in the same
transaction as the contribution (audited as `organization_created`), so a refused contribution
leaves no donor behind."""

from __future__ import annotations

from datetime import datetime

from fund.accounts.models import Organization, OrganizationKind, User
from fund.accounts.operations import AccountError, save_organization
from fund.extensions import db
from fund.finance.operations import FinanceError
from fund.labels import N_
from fund.sentences import Sentence


def new_donor(actor: User, name: str, now: datetime) -> Organization:
    """A new organization (kind "other") named `name`, for the contribution being recorded;
    a name another organization has is refused at the `new_donor` field."""
    try:
        return save_organization(
            actor,
            None,
            name=name,
            acronym=None,
            kind=OrganizationKind.OTHER.value,
            country_iso2=None,
            iati_org_id=None,
            committee_member=False,
            active=True,
            now=now,
        )
    except AccountError as error:
        said = error.sentence
        if error.field == "name":
            instead = N_("%(problem)s Choose it in the list of donors instead.")
            said = Sentence(instead, problem=said)
        raise FinanceError(said, "new_donor") from None


def donor_of(actor: User, form, now: datetime) -> Organization | None:
    """The donor a recording form names: the one chosen in its list, or a new one created from
    the name typed (see `fund.finance.forms.check_new_donor`)."""
    name = (form.new_donor.data or "").strip()
    if name:
        return new_donor(actor, name, now)
    return db.session.get(Organization, form.donor_id.data)
