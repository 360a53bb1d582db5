"""Words, not codes: pools, budget categories, objectives, settings and roles by their names;
the contributions' status and actions apart; a donor created while recording a contribution;
payment dates in the browser's date input, today by default."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal as D

from sqlalchemy import func, select

from fund.accounts.models import Organization
from fund.audit.models import AuditEvent
from fund.extensions import db, utcnow
from fund.finance import operations
from fund.finance.models import Contribution
from fund.templating import category, objective, pool
from tests.helpers import csrf_token, grant_agent_role, user


def _contribute(app, actor, donor, gross: str, earmark: str | None = None) -> int:
    with app.app_context():
        contribution = operations.record_contribution(
            user(actor.id),
            db.session.get(Organization, donor.id),
            utcnow().date(),
            D(gross),
            earmark,
        )
        db.session.commit()
        return contribution.id


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# The filters -------------------------------------------------------------------------------


def test_the_filters_name_pools_categories_and_objectives(app):
    with app.test_request_context():
        assert pool("GENERAL") == "Unearmarked"
        assert pool("TA1").startswith("TA1 earmark: Promoting fact-based")
        assert pool(None) == "—"
        assert pool("TA1", short=True) == "TA1 earmark"
        assert category(1) == "1. Staff and other personnel costs"
        assert category("8").startswith("8. Indirect support costs")
        assert category(None) == "—"
        assert re.fullmatch(r"5\. .+", objective(5))
        assert objective(99) == "99"  # an unknown number stays as it is


def test_the_budget_lines_show_categories_and_objectives_by_name(client, login_as, make_proposal):
    proposal_id = make_proposal(login_as("applicant"))
    html = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    lines = html[html.index("budget lines") :]
    assert re.search(r"<td>\d+\. [A-Z][^<]+</td><td>\d\. [A-Z]", lines), lines[:2000]
    categories = html[html.index('id="budget-categories-caption"') :]
    assert re.search(r'<th scope="row">\d\. [A-Z]', categories)
    assert "(indirect, computed)" not in categories


# Pools ---------------------------------------------------------------------------------------


def test_the_contributions_name_their_pools(app, client, secretariat, donor):
    grant_agent_role(app, secretariat)
    _contribute(app, secretariat, donor, "1000.00")
    _contribute(app, secretariat, donor, "500.00", "TA1")
    html = client.get("/finance/contributions").get_data(as_text=True)
    listing = html[html.index('id="contributions"') :]
    assert "Unearmarked" in listing and "TA1 earmark" in listing
    assert "GENERAL" not in listing


def test_the_coverage_page_names_no_setting_by_its_code(client):
    html = client.get("/coverage/").get_data(as_text=True)
    assert "COVERAGE_" not in html
    assert "set in the fund's configuration" in html


def test_the_workflow_names_roles(client):
    html = client.get("/workflow").get_data(as_text=True)
    rows = html[html.index("<tbody") : html.index("</tbody>")]
    who = '<td data-label="Who">'
    assert f"{who}Applicant</td>" in rows and f"{who}Secretariat</td>" in rows
    assert ">applicant</td>" not in rows


# Contributions: status and actions -------------------------------------------------------------


def test_the_status_column_says_counted_or_voided_and_the_actions_column_voids(
    app, client, secretariat, donor
):
    grant_agent_role(app, secretariat)
    kept = _contribute(app, secretariat, donor, "1000.00")
    voided = _contribute(app, secretariat, donor, "200.00")
    with app.app_context():
        operations.void_contribution(
            user(secretariat.id), db.session.get(Contribution, voided), "Typed twice"
        )
        db.session.commit()
    html = client.get("/finance/contributions").get_data(as_text=True)
    assert '<th scope="col">Actions</th>' in html
    row = html[html.index(f'id="contribution-{kept}"') :]
    row = row[: row.index("</tr>")]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    status, actions = cells[-2].strip(), cells[-1]
    assert status == "Counted"
    assert f'class="button secondary small" href="/finance/contributions/{kept}/void"' in actions
    row = html[html.index(f'id="contribution-{voided}"') :]
    row = row[: row.index("</tr>")]
    assert "Voided</strong> on" in row and "Typed twice" in row
    assert f"/finance/contributions/{voided}/void" not in row


def test_the_secretariat_reads_the_contributions_without_actions(app, client, secretariat, donor):
    _contribute(app, secretariat, donor, "1000.00")
    html = client.get("/finance/contributions").get_data(as_text=True)
    assert "Counted" in html
    assert '<th scope="col">Actions</th>' not in html and "/void" not in html


# A new donor ----------------------------------------------------------------------------------


def _post(client, **data):
    token = csrf_token(client, "/finance/contributions")
    fields = {"csrf_token": token, "received_on": utcnow().date().isoformat(), "gross": "1000"}
    return client.post("/finance/contributions", data=fields | data)


def test_a_new_donor_is_created_with_its_contribution_and_audited(app, client, secretariat):
    grant_agent_role(app, secretariat)
    response = _post(client, donor_id="", new_donor="Principality of Givers")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        donor = db.session.scalar(
            select(Organization).where(Organization.name == "Principality of Givers")
        )
        assert donor is not None and donor.kind == "other" and donor.active
        contribution = db.session.scalar(select(Contribution))
        assert contribution.donor_id == donor.id
        actions = set(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.actor_id == secretariat.id)
            )
        )
        assert "organization_created" in actions
    listing = client.get("/finance/contributions").get_data(as_text=True)
    assert "Principality of Givers" in listing


def test_a_new_donor_and_a_chosen_one_are_refused_together(app, client, secretariat, donor):
    grant_agent_role(app, secretariat)
    response = _post(client, donor_id=donor.id, new_donor="Someone Else")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "not both" in html and 'value="Someone Else"' in html
    assert _count(app, Contribution) == 0
    assert _count(app, Organization, Organization.name == "Someone Else") == 0


def test_a_new_donor_of_an_existing_name_is_refused_and_nothing_is_saved(
    app, client, secretariat, donor
):
    grant_agent_role(app, secretariat)
    organizations = _count(app, Organization)
    response = _post(client, donor_id="", new_donor=donor.name.upper())
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "already has this name" in html and "Choose it in the list of donors" in html
    assert f'value="{donor.name.upper()}"' in html
    assert _count(app, Contribution) == 0 and _count(app, Organization) == organizations


def test_a_new_donors_refusal_reads_in_the_pages_language(app, client, secretariat, donor):
    grant_agent_role(app, secretariat)
    client.get("/finance/contributions?lang=fr")
    response = _post(client, donor_id="", new_donor=donor.name.upper())
    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    assert "Choisissez-la plutôt dans la liste des donateurs." in text
    assert "Choose it in the list of donors" not in text and "already has this name" not in text


def test_a_refused_contribution_leaves_no_new_donor_behind(app, client, secretariat):
    grant_agent_role(app, secretariat)
    tomorrow = utcnow().date() + timedelta(days=1)
    response = _post(
        client, donor_id="", new_donor="Republic of Later", received_on=tomorrow.isoformat()
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.get_data(as_text=True)
    assert _count(app, Organization, Organization.name == "Republic of Later") == 0


def _deposit(client, **data):
    token = csrf_token(client, "/finance/deposits/new")
    fields = {
        "csrf_token": token,
        "received_on": utcnow().date().isoformat(),
        "currency": "EUR",
        "amount": "1000",
        "exchange_rate": "1.1",
    }
    return client.post("/finance/deposits/new", data=fields | data)


def test_a_deposit_in_another_currency_may_name_a_new_donor(app, client, secretariat):
    grant_agent_role(app, secretariat)
    assert 'name="new_donor"' in client.get("/finance/deposits/new").get_data(as_text=True)
    response = _deposit(client, donor_id="", new_donor="Grand Duchy of Deposits")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        donor = db.session.scalar(
            select(Organization).where(Organization.name == "Grand Duchy of Deposits")
        )
        contribution = db.session.scalar(select(Contribution))
        assert donor is not None and contribution.donor_id == donor.id
        assert contribution.currency == "EUR" and contribution.gross == D("1100.00")


def test_a_refused_deposit_leaves_no_new_donor_behind(app, client, secretariat, donor):
    grant_agent_role(app, secretariat)
    both = _deposit(client, donor_id=donor.id, new_donor="Someone Else")
    assert both.status_code == 400 and "not both" in both.get_data(as_text=True)
    bad_rate = _deposit(client, donor_id="", new_donor="Republic of Later", exchange_rate="0")
    assert bad_rate.status_code == 400
    assert 'value="Republic of Later"' in bad_rate.get_data(as_text=True)
    neither = _deposit(client, donor_id="", new_donor="")
    assert neither.status_code == 400
    assert _count(app, Contribution) == 0
    assert (
        _count(app, Organization, Organization.name.in_(("Someone Else", "Republic of Later"))) == 0
    )


# Payment dates -------------------------------------------------------------------------------


def _date_input(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert found, f"no input {name}"
    return found.group()


def test_payment_dates_are_date_inputs_showing_today(app, client, secretariat):
    grant_agent_role(app, secretariat)
    today = utcnow().date().isoformat()
    for path, name in (
        ("/finance/contributions", "received_on"),
        ("/finance/deposits/new", "received_on"),
        ("/finance/interest", "earned_on"),
        ("/finance/direct-costs", "charged_on"),
        ("/finance/pledges", "pledged_on"),
    ):
        tag = _date_input(client.get(path).get_data(as_text=True), name)
        assert 'type="date"' in tag, (path, tag)
        assert f'value="{today}"' in tag, (path, tag)
        assert "placeholder" not in tag


def test_a_form_sent_without_its_date_is_refused_not_dated_today(app, client, secretariat, donor):
    grant_agent_role(app, secretariat)
    token = csrf_token(client, "/finance/contributions")
    response = client.post(
        "/finance/contributions",
        data={"csrf_token": token, "donor_id": donor.id, "gross": "1000"},
    )
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD" in response.get_data(as_text=True)
    assert _count(app, Contribution) == 0


def test_a_stored_value_is_named_by_its_label_or_shown_as_it_is():
    """`label_of`: a kind of national partner stored in a record reads as its label; a value
    that is no kind (an older record) as it was stored; none as a dash."""
    from fund.proposals.models import PartnerType

    assert PartnerType.label_of("line_ministry") == "Line ministry"
    assert PartnerType.label_of("ministry_of_magic") == "ministry_of_magic"
    assert PartnerType.label_of(None) == "—"
