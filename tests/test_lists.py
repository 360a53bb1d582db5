"""Lists that serve: sort by column, filters kept with paging, "export this view" (CSV, XLSX)
of exactly the rows the page shows (every page of them), with the page's access rules and
formulas neutralised; bad query strings answer 200 or 400, never 5xx."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from openpyxl import load_workbook

from fund.extensions import db
from tests.conftest import new_open_call, new_proposal
from tests.helpers import PASSWORD, csv_text, login, new_organization, new_user

FORMULA = '=HYPERLINK("http://evil.example","click")'


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(csv_text(response))))


def _xlsx(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [tuple(c.value for c in row) for row in sheet.iter_rows()], sheet


def _client(app, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


@pytest.fixture
def proposals(app):
    """30 proposals of ILO (more than a page of 25) and 2 of another organization."""
    with app.app_context():
        ilo = new_user()
        other_org = new_organization(acronym="ZZO", name="Zeta Organization")
        other = new_user(organization_acronym=other_org.acronym)
        secretariat = new_user(("secretariat",), "FMU")
        call = new_open_call()
        for n in range(30):
            status = "submitted" if n % 3 == 0 else "draft"
            title = FORMULA if n == 7 else f"Programme {n:02d} on labour mobility"
            new_proposal(ilo, call.id, status, complete=status != "draft", title=title)
        for n in range(2):
            new_proposal(other, call.id, complete=False, title=f"Other {n} remittances")
        db.session.commit()
        return {"ilo": ilo.email, "other": other.email, "secretariat": secretariat.email}


def test_sorting_by_a_column_and_its_header(app, backend, proposals):
    client = _client(app, proposals["secretariat"])
    page = client.get("/proposals?sort=title&dir=asc&q=programme").get_data(as_text=True)
    titles = re.findall(r">(Programme \d\d) on labour", page)
    assert titles == sorted(titles) and len(titles) == 25
    assert 'aria-sort="ascending"' in page
    # The sorted column's link turns the order round; the others keep the filters.
    assert "sort=title&amp;dir=desc" in page
    assert "q=programme" in page
    page = client.get("/proposals?sort=title&dir=desc&q=programme").get_data(as_text=True)
    titles = re.findall(r">(Programme \d\d) on labour", page)
    assert titles == sorted(titles, reverse=True)
    assert 'aria-sort="descending"' in page
    # The pager keeps the order and the search.
    assert re.search(r'href="/proposals\?[^"]*page=2[^"]*"', page)
    second = re.search(r'href="(/proposals\?[^"]*page=2[^"]*)"', page).group(1)
    assert "sort=title" in second and "q=programme" in second


def test_bad_sort_or_direction_falls_back_to_the_default(app, proposals):
    client = _client(app, proposals["secretariat"])
    for query in (
        "sort=password_hash",
        "sort=title;drop",
        "sort=title&dir=sideways",
        "sort=&dir=",
        "dir=asc",
        "sort=%00",
        "objective=99",
        "objective=abc",
        "country=ZZZ",
        "status=nonsense",
        "kind=x",
    ):
        response = client.get(f"/proposals?{query}")
        assert response.status_code in (200, 400), query
    page = client.get("/proposals?sort=nonsense").get_data(as_text=True)
    assert "sorted by last change (descending)" in page
    assert client.get("/proposals?export=pdf").status_code == 400
    assert client.get("/proposals?organization=-1").status_code == 400
    assert client.get("/proposals?call=99999999999999").status_code == 400


def test_filters_by_organization_and_status(app, proposals):
    client = _client(app, proposals["secretariat"])
    with app.app_context():
        from fund.accounts.models import Organization

        zeta = db.session.scalar(db.select(Organization.id).where(Organization.acronym == "ZZO"))
    page = client.get(f"/proposals?organization={zeta}").get_data(as_text=True)
    assert "2 proposals" in page and "Other 0 remittances" in page and "Programme 01" not in page
    page = client.get("/proposals?status=submitted").get_data(as_text=True)
    assert "10 proposals" in page


def test_export_holds_every_page_of_the_filtered_sorted_view(app, backend, proposals):
    client = _client(app, proposals["secretariat"])
    rows = _csv(client.get("/proposals?q=programme&sort=title&dir=asc&export=csv"))
    assert rows[0][:3] == ["Reference", "Kind", "Title"]
    titles = [r[2] for r in rows[1:]]
    assert len(titles) == 29  # every page, not the first 25; the formula row has no "programme"
    assert titles == sorted(titles)
    submitted = _csv(client.get("/proposals?status=submitted&export=csv"))
    assert len(submitted) == 1 + 10
    assert {r[5] for r in submitted[1:]} == {"Submitted"}
    values, sheet = _xlsx(client.get("/proposals?status=submitted&sort=title&export=xlsx"))
    assert values[0][:3] == ("Reference", "Kind", "Title")
    assert [v[2] for v in values[1:]] == sorted(r[2] for r in submitted[1:])
    assert sheet["A1"].font.bold


def test_export_neutralises_formulas(app, proposals):
    client = _client(app, proposals["secretariat"])
    rows = _csv(client.get("/proposals?export=csv"))
    assert "'" + FORMULA in [r[2] for r in rows]
    assert FORMULA not in [r[2] for r in rows]
    _values, sheet = _xlsx(client.get("/proposals?export=xlsx"))
    cells = [row[2] for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(row[2].value)]
    assert len(cells) == 1
    assert cells[0].value == "'" + FORMULA and cells[0].data_type == "s"


def test_an_applicant_exports_only_their_organizations_proposals(app, proposals):
    rows = _csv(_client(app, proposals["other"]).get("/proposals?export=csv"))
    assert sorted(r[2] for r in rows[1:]) == ["Other 0 remittances", "Other 1 remittances"]
    rows = _csv(_client(app, proposals["ilo"]).get("/proposals?export=csv&q=remittances"))
    assert rows[1:] == []
    anonymous = app.test_client().get("/proposals?export=csv")
    assert anonymous.status_code in (302, 401, 403)


def test_the_lists_title_says_what_it_holds_for_each_person(app):
    """The title follows the rule of what the list holds (`_Audience`): a person who is both an
    applicant and a committee member sees their organization's proposals and those the
    committee sees, and is told so."""
    with app.app_context():
        people = {
            "secretariat": new_user(("secretariat",), None).email,
            "applicant": new_user(("applicant",), "ILO").email,
            "committee": new_user(("committee",), "UNHCR").email,
            "both": new_user(("applicant", "committee"), "UNHCR").email,
        }
        db.session.commit()
    expected = {
        "secretariat": "All proposals",
        "applicant": "Your organization's proposals",
        "committee": "Proposals under review and decided",
        "both": "Your organization's proposals, and those under review and decided",
    }
    for who, title in expected.items():
        page = html.unescape(_client(app, people[who]).get("/proposals").get_data(as_text=True))
        assert f"<h1>{title}</h1>" in page, who


# The screening queue ------------------------------------------------------------------------


@pytest.fixture
def queue(app):
    with app.app_context():
        author = new_user()
        secretariat = new_user(("secretariat",), "FMU")
        call = new_open_call()
        for title, status in (
            ("Bravo border health", "submitted"),
            ("Alpha remittances corridor", "submitted"),
            ("Charlie return and reintegration", "screening"),
            ("Delta draft not in the queue", "draft"),
        ):
            new_proposal(author, call.id, status, complete=status != "draft", title=title)
        db.session.commit()
        return secretariat.email


def test_the_screening_queue_sorts_filters_searches_and_exports(app, backend, queue):
    client = _client(app, queue)
    page = client.get("/screening/?sort=title&dir=asc").get_data(as_text=True)
    assert page.index("Alpha remittances") < page.index("Bravo border") < page.index("Charlie")
    assert "Delta" not in page and 'aria-sort="ascending"' in page
    page = client.get("/screening/?sort=title&dir=desc").get_data(as_text=True)
    assert page.index("Charlie") < page.index("Bravo border") < page.index("Alpha remittances")
    page = client.get("/screening/?status=screening").get_data(as_text=True)
    assert "Charlie" in page and "Alpha remittances" not in page
    page = client.get("/screening/?q=remit").get_data(as_text=True)
    assert "Alpha remittances" in page and "Bravo border" not in page
    rows = _csv(client.get("/screening/?status=submitted&sort=title&dir=desc&export=csv"))
    assert rows[0][:3] == ["Reference", "Kind", "Title"]
    assert [r[2] for r in rows[1:]] == ["Bravo border health", "Alpha remittances corridor"]
    values, _sheet = _xlsx(client.get("/screening/?q=return&export=xlsx"))
    assert [v[2] for v in values[1:]] == ["Charlie return and reintegration"]
    for query in ("sort=x", "dir=up", "status=draft", "kind=x", "q=%22(", "export=doc"):
        assert client.get(f"/screening/?{query}").status_code in (200, 400), query
    assert client.get("/screening/?export=doc").status_code == 400
    assert client.get("/screening/?status=draft").get_data(as_text=True).count("Delta") == 0


# The audit log ------------------------------------------------------------------------------


def test_the_audit_log_sorts_and_exports_the_view(app):
    from fund.audit.operations import record

    with app.app_context():
        secretariat = new_user(("secretariat",), "FMU")
        for name, action in (("Bea", "b_action"), ("Ann", "a_action"), ("Cid", "c_action")):
            actor = new_user(name=name)
            record(action, "proposal", 1, actor, comment="@SUM(1)" if name == "Cid" else "")
        db.session.commit()
        email = secretariat.email
    client = _client(app, email)
    page = client.get("/audit/?sort=action&dir=asc&subject_type=proposal").get_data(as_text=True)
    assert page.index("a_action") < page.index("b_action") < page.index("c_action")
    assert 'aria-sort="ascending"' in page and "sorted by action (ascending)" in page
    assert "export=xlsx" in page and "sort=action" in page
    rows = _csv(client.get("/audit/?sort=actor&dir=desc&subject_type=proposal&export=csv"))
    assert rows[0][:6] == [
        "id",
        "occurred_at",
        "actor_id",
        "actor_name",
        "actor_organization",
        "action",
    ]
    assert [r[3] for r in rows[1:]] == ["Cid", "Bea", "Ann"]
    assert rows[1][10] == "'@SUM(1)"
    values, _sheet = _xlsx(client.get("/audit/?sort=action&subject_type=proposal&export=xlsx"))
    assert [v[5] for v in values[1:]] == ["a_action", "b_action", "c_action"]
    # The default order is the newest first, as on the page.
    rows = _csv(client.get("/audit/?subject_type=proposal&export=csv"))
    assert [r[5] for r in rows[1:]] == ["c_action", "a_action", "b_action"]
    assert client.get("/audit/?sort=hash&dir=x").status_code == 200
    assert client.get("/audit/?export=json").status_code == 400
    # An export with a filter the page refuses shows the page with the message.
    assert client.get("/audit/?date_to=yesterday&export=csv").status_code == 400


# Contributions ------------------------------------------------------------------------------


def test_the_contributions_list_filters_sorts_pages_and_exports(app):
    from datetime import date
    from decimal import Decimal

    from fund.finance import operations

    with app.app_context():
        agent = new_user(("administrative_agent",), "FMU")
        secretariat = new_user(("secretariat",), "FMU")
        big = new_organization(acronym="BIGD", name="Big Donor", kind="other")
        small = new_organization(acronym="SMLD", name="Small Donor", kind="other")
        made = []
        for n in range(30):
            made.append(
                operations.record_contribution(
                    agent,
                    big if n % 2 else small,
                    date(2026, 1, 1 + n % 28),
                    Decimal(1000 + n),
                    None,
                    f"REF-{n}" if n != 3 else "=cmd|' /C calc'!A0",
                    "",
                )
            )
        db.session.flush()
        operations.void_contribution(agent, made[0], "Entered twice")
        db.session.commit()
        email, big_id, first = secretariat.email, big.id, made[0].id
    client = _client(app, email)
    page = client.get("/finance/contributions").get_data(as_text=True)
    assert "30 contributions" in page and "Showing 1 to 25" in page
    page = client.get(f"/finance/contributions?donor={big_id}&sort=gross&dir=asc")
    text = page.get_data(as_text=True)
    assert "15 contributions" in text and 'aria-sort="ascending"' in text
    assert text.index("USD 1,001.00") < text.index("USD 1,003.00")
    rows = _csv(client.get(f"/finance/contributions?donor={big_id}&sort=gross&export=csv"))
    assert rows[0][:3] == ["Contribution", "Donor", "Received on"]
    assert [r[7] for r in rows[1:]] == [str(1000 + n) + ".00" for n in range(1, 30, 2)][::-1]
    assert {r[1] for r in rows[1:]} == {"Big Donor (BIGD)"}
    voided = _csv(client.get("/finance/contributions?status=voided&export=csv"))
    assert [(r[0], r[12], r[14]) for r in voided[1:]] == [(f"C-{first}", "Voided", "Entered twice")]
    values, _sheet = _xlsx(client.get("/finance/contributions?status=active&export=xlsx"))
    assert len(values) == 1 + 29
    assert "'=cmd|' /C calc'!A0" in [v[10] for v in values]
    assert isinstance(values[1][7], (int, float))  # amounts are numbers in the workbook
    for query in ("sort=fee", "dir=x", "pool=NOPE", "status=gone", "page=abc"):
        assert client.get(f"/finance/contributions?{query}").status_code == 200, query
    assert client.get("/finance/contributions?donor=0x1").status_code == 400
    assert client.get("/finance/contributions?export=ods").status_code == 400


# Allocations --------------------------------------------------------------------------------


def test_the_allocations_name_each_programmes_lead_organization(app):
    """The balance page's allocations name the organization that leads the programme, as the
    public pages, the allocation report and the API do, not the one that submitted it."""
    with app.app_context():
        author = new_user()  # of ILO
        secretariat = new_user(("secretariat",), "FMU")
        call = new_open_call()
        new_proposal(
            author,
            call.id,
            "funded",
            title="Led by IOM",
            lines=[("IOM", 6, "300000.00"), ("ILO", 6, "200000.00")],
        )
        db.session.commit()
        email = secretariat.email
    client = _client(app, email)
    rows = _csv(client.get("/finance/?allocations_export=csv"))
    assert rows[0][2] == "Lead organization"
    assert [r[2] for r in rows[1:] if r[1] == "Led by IOM"] == ["IOM"]


def test_the_allocations_sort_filter_and_export_on_the_balance_page(app):
    from datetime import date

    with app.app_context():
        author = new_user()
        secretariat = new_user(("secretariat",), "FMU")
        call = new_open_call()
        for n, title in enumerate(("Gamma allocation", "Alpha allocation", "Beta allocation")):
            new_proposal(author, call.id, "funded", title=title, allocated_on=date(2026, 3, n + 1))
        db.session.commit()
        email = secretariat.email
    client = _client(app, email)
    page = client.get("/finance/").get_data(as_text=True)
    section = page[page.index('id="allocations-title"') :]
    assert section.index("Beta allocation") < section.index("Alpha allocation")  # latest first
    page = client.get("/finance/?allocations_sort=title&allocations_dir=asc").get_data(as_text=True)
    section = page[page.index('id="allocations-title"') :]
    assert section.index("Alpha") < section.index("Beta") < section.index("Gamma")
    assert 'aria-sort="ascending"' in section
    assert "allocations_export=xlsx" in section and "allocations_sort=title" in section
    rows = _csv(
        client.get("/finance/?allocations_sort=title&allocations_dir=desc&allocations_export=csv")
    )
    assert rows[0][:3] == ["Proposal", "Title", "Lead organization"]
    assert [r[1] for r in rows[1:]] == ["Gamma allocation", "Beta allocation", "Alpha allocation"]
    values, _sheet = _xlsx(
        client.get("/finance/?allocations_status=funded&allocations_export=xlsx")
    )
    assert len(values) == 4 and {v[3] for v in values[1:]} == {"Funded"}
    empty = _csv(client.get("/finance/?allocations_status=closed&allocations_export=csv"))
    assert empty[1:] == []
    assert client.get("/finance/?allocations_sort=x&allocations_dir=y").status_code == 200
    assert client.get("/finance/?allocations_export=pdf").status_code == 400


# The committee member's votes ---------------------------------------------------------------


def test_a_members_votes_sort_and_export(app):
    from fund.committee import operations
    from tests.factories import committee_people
    from tests.helpers import client_for, user

    with app.app_context():
        people = committee_people()
        call = new_open_call().id
        for title, choice in (("Bravo vote", "approve"), ("Alpha vote", "reject")):
            proposal = new_proposal(people.author, call, "committee_review", title=title)
            round_id = operations.open_round_of(proposal.id).id
            operations.cast_vote(round_id, user(people.unicef), choice, "=1+1")
        db.session.commit()
        unicef = db.session.get(type(people.unicef), people.unicef.id)
        db.session.expunge(unicef)
    client = client_for(app, unicef)
    page = client.get("/committee/?voted_sort=title&voted_dir=asc").get_data(as_text=True)
    section = page[page.index('id="voted-title"') :]
    assert section.index("Alpha vote") < section.index("Bravo vote")
    assert 'aria-sort="ascending"' in section and "voted_export=csv" in section
    rows = _csv(client.get("/committee/?voted_sort=title&voted_dir=desc&voted_export=csv"))
    assert rows[0][:4] == ["Proposal", "Title", "Round", "Your vote"]
    assert [(r[1], r[3]) for r in rows[1:]] == [("Bravo vote", "Approve"), ("Alpha vote", "Reject")]
    values, _sheet = _xlsx(client.get("/committee/?voted_export=xlsx"))
    assert len(values) == 3
    assert client.get("/committee/?voted_sort=x&voted_dir=y").status_code == 200
    assert client.get("/committee/?voted_export=txt").status_code == 400


def test_the_votes_order_fields_keep_the_other_lists_pages(app):
    from fund.committee import operations
    from tests.factories import committee_people
    from tests.helpers import client_for, user

    with app.app_context():
        people = committee_people()
        call = new_open_call().id
        for title in ("One vote", "Two vote"):
            proposal = new_proposal(people.author, call, "committee_review", title=title)
            operations.cast_vote(
                operations.open_round_of(proposal.id).id, user(people.unicef), "approve"
            )
        db.session.commit()
        unicef = db.session.get(type(people.unicef), people.unicef.id)
        db.session.expunge(unicef)
    page = client_for(app, unicef).get("/committee/?voted_sort=round&voted_dir=desc")
    text = page.get_data(as_text=True)
    assert 'aria-label="Order your votes"' in text
    assert '<option value="round" selected>' in text and '<option value="desc" selected>' in text


def test_the_country_filter_offers_the_countries_of_the_proposals_one_sees(app, backend):
    """An applicant is offered the countries of their organization's proposals (read from the
    organization's proposals), the secretariat those of every proposal."""
    from fund.accounts.models import User
    from fund.proposals.models import Proposal
    from fund.proposals.queries import filter_choices
    from fund.reference.models import Country

    with app.app_context():
        call = new_open_call()
        own = new_user()
        other = new_user(organization_acronym=new_organization(acronym="ZZO").acronym)
        secretariat = new_user(("secretariat",), "FMU")
        for author, isos in ((own, ("MX", "CL")), (own, ("MX",)), (other, ("KE", "CL"))):
            proposal = db.session.get(Proposal, new_proposal(author, call.id).id)
            proposal.countries = [db.session.get(Country, iso) for iso in isos]
        db.session.commit()

        def offered(user) -> list[object]:
            return [iso for iso, _ in filter_choices(db.session.get(User, user.id))["countries"]]

        assert offered(own) == ["CL", "MX"]  # by name: Chile, Mexico
        assert offered(other) == ["CL", "KE"]  # Chile, Kenya
        assert offered(secretariat) == ["CL", "KE", "MX"]


def test_a_column_label_within_a_sentence_keeps_its_own_case() -> None:
    from fund.templating import in_sentence

    assert in_sentence("Submitted (UTC)") == "submitted (UTC)"
    assert in_sentence("Last change") == "last change"
    assert in_sentence("IATI identifier") == "IATI identifier"
    assert in_sentence("") == ""
