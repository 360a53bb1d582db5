"""The public portfolio's pages: the programmes (list, filters, a page each, 404 for a
programme not public), the map, the contributions; bad query strings answer 400, never 500;
a fixed number of statements; the kept figures rebuilt when a record changes."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from fund.extensions import db
from fund.finance import operations as finance_operations
from fund.finance.models import Allocation
from fund.pipeline import operations as pipeline_operations
from fund.portfolio import kept
from tests.conftest import PreparedDatabase, engine_of
from tests.factories import acting_secretariat
from tests.factories import donor as donor_organization
from tests.helpers import counted_get
from tests.test_portfolio_queries import Public, _public


@pytest.fixture(scope="module")
def prepared(request) -> PreparedDatabase:
    return PreparedDatabase(request, _public)


@pytest.fixture
def public(request, prepared, app, tmp_path) -> Public:
    app.config["OPEN_DATA_CACHE_DIR"] = str(tmp_path / "kept")
    return prepared.data(engine_of(request))


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_list_shows_public_programmes_only(client, public):
    page = _text(client.get("/portfolio"))
    assert "Fair recruitment in Chile" in page
    assert "Waiting for money" in page  # public pipeline
    assert "Not public" not in page
    assert f'href="/portfolio/programmes/{public.closed}"' in page
    assert "6 programmes" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("country=TR", "Côte d&#39;Ivoire — Türkiye corridor", "Fair recruitment in Chile"),
        ("objective=3", "Returns in dignity", "Fair recruitment in Chile"),
        ("status=pipeline", "Waiting for money", "Returns in dignity"),
        ("status=closed", "Côte d&#39;Ivoire — Türkiye corridor", "Returns in dignity"),
    ],
)
def test_list_filters(client, public, query, shown, hidden):
    page = _text(client.get(f"/portfolio?{query}"))
    assert shown in page and hidden not in page


def test_list_keeps_the_chosen_filter_in_the_form(client, public):
    page = _text(client.get("/portfolio?country=mx"))
    assert '<option value="MX" selected>' in page
    assert "1 programme" in page


def test_a_country_without_programmes_is_kept_in_the_form(client, public):
    """A country no programme works in finds none, and the form says which country was
    chosen rather than "Any"."""
    page = _text(client.get("/portfolio?country=no"))
    assert '<option value="NO" selected>Norway</option>' in page
    assert "0 programmes" in page


def test_a_thematic_area_reads_in_either_case_like_a_country(client):
    upper, lower = client.get("/portfolio?area=TA4"), client.get("/portfolio?area=ta4")
    assert upper.status_code == lower.status_code == 200
    assert '<option value="TA4" selected>' in _text(lower)
    assert client.get("/portfolio/map?area=ta4").status_code == 200
    assert client.get("/portfolio?area=ta99").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "objective=99",
        "objective=x",
        "objective=" + "9" * 400,
        "area=NOPE",
        "country=France",
        "status=draft",
        "objective=%FF",
        "country=%00%00",
        "country=zz",  # no country: refused, as the API refuses it
        "objective=1&objective=19",
        "area=TA1&area=TA2",
        "page=" + "9" * 40,
    ],
)
def test_bad_query_strings_answer_400(client, public, query):
    assert client.get(f"/portfolio?{query}").status_code == 400
    if not query.startswith(("page", "country", "status")):
        assert client.get(f"/portfolio/map?{query}").status_code == 400


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "page=999", "x=1"])
def test_odd_but_harmless_query_strings_answer_200(client, public, query):
    assert client.get(f"/portfolio?{query}").status_code == 200
    assert client.get(f"/portfolio/map?{query}").status_code == 200


def test_programme_page(client, backend, public):
    page = _text(client.get(f"/portfolio/programmes/{public.closed}"))
    assert "Côte d&#39;Ivoire — Türkiye corridor" in page
    assert "IOM" in page and "UNICEF" in page
    assert f"XM-DAC-41114-MIG00-P{public.closed:05d}" in page
    assert 'href="/open-data/iati.xml"' in page
    assert "2,000,000.01" in page  # funded and transferred
    assert "Closed" in page


def test_the_budget_total_row_adds_up_each_column(app, client, public):
    """The budget by organization ends with the total of each column: direct, indirect and
    both, each the sum of the organizations' figures as shown."""
    import re

    from fund.portfolio.queries import programme_detail

    page = _text(client.get(f"/portfolio/programmes/{public.closed}"))
    foot = page.split('aria-labelledby="budget-org-caption"')[1].split("<tfoot>")[1]
    figures = re.findall(r'class="num"[^>]*>([\d,]+\.\d\d)<', foot.split("</tfoot>")[0])
    with app.app_context():
        detail = programme_detail(public.closed)
        rows = detail.budget_by_organization
        direct = sum(b.direct for b in rows)
        indirect = sum(b.indirect for b in rows)
    assert figures == [f"{direct:,.2f}", f"{indirect:,.2f}", f"{direct + indirect:,.2f}"]


def test_pipeline_programme_page_has_no_iati_record(client, public):
    page = _text(client.get(f"/portfolio/programmes/{public.pipeline}"))
    assert "Waiting for money" in page and "IATI identifier" not in page


@pytest.mark.parametrize("which", ["hidden", "missing", "huge"])
def test_a_programme_not_public_answers_404(client, public, which):
    proposal_id = {"hidden": public.hidden, "missing": 10**6, "huge": 10**30}[which]
    assert client.get(f"/portfolio/programmes/{proposal_id}").status_code == 404


def test_map_page(client, backend, public):
    page = _text(client.get("/portfolio/map"))
    assert 'role="img"' in page and '<title id="map-svg-title">' in page
    # Mexico's funded money is in the table and the country is coloured on the map.
    assert "Mexico" in page
    assert "Global data on missing migrants" in page  # a global programme, shown apart
    assert 'class="funded"' in page
    filtered = _text(client.get("/portfolio/map?objective=3"))
    assert "Mexico" in filtered and "Chile" not in filtered.split("country-table-title")[1]


def test_the_maps_count_of_programmes_says_what_it_counts(client, public):
    """The table counts a country's national and multi-country programmes with funded money;
    its link lists every public programme naming the country: the page says both."""
    page = _text(client.get("/portfolio/map"))
    note = page.split('id="country-table-note"')[1].split("</p>")[0]
    assert "national and multi-country programmes whose funded money the row counts" in note
    assert "lists every public programme naming it" in note


def test_contributions_page(client, backend, public):
    page = _text(client.get("/portfolio/contributions"))
    assert "Test Donor" in page
    assert "Balance with the Administrative Agent" in page
    assert "2026" in page


def test_each_contributions_table_ends_with_the_total_deposits(app, client, public):
    """Donors, years and earmarks are three ways of splitting the same deposits: each table's
    total row gives them all, with the number of contributions where the table counts them."""
    import re

    from sqlalchemy import func

    from fund.finance.models import Contribution, ContributionVoid

    with app.app_context():
        secretariat = acting_secretariat()
        finance_operations.record_contribution(
            secretariat, donor_organization(), date(2025, 6, 1), Decimal("12345.67"), None
        )
        db.session.commit()
        gross, count = db.session.execute(
            select(func.sum(Contribution.gross), func.count())
            .outerjoin(ContributionVoid)
            .where(ContributionVoid.contribution_id.is_(None))
        ).one()
    assert count >= 2
    page = _text(client.get("/portfolio/contributions"))
    feet = {}
    for name in ("donors", "years", "earmarks"):
        section = page.split(f'id="{name}-title"')[1].split("</section>")[0]
        assert "<tfoot>" in section, name
        foot = section.split("<tfoot>")[1].split("</tfoot>")[0]
        feet[name] = re.sub(r"<[^>]+>", " ", foot).split()
    assert feet["donors"] == feet["years"] == ["Total", f"{gross:,.2f}", str(count)], feet
    assert feet["earmarks"] == ["Total", f"{gross:,.2f}"], feet


def _statements(engine, action) -> int:
    found = []

    def count(*_args):
        found.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(found)


def _built(app, client, engine, url) -> int:
    """The statements of a request that finds nothing kept (the kept figures removed, on disk
    and in the process)."""
    shutil.rmtree(app.config["OPEN_DATA_CACHE_DIR"], ignore_errors=True)
    kept._LAST.clear()
    return _statements(engine, lambda: client.get(url))


@pytest.mark.parametrize(
    "url", ["/portfolio", "/portfolio/map", "/portfolio/contributions", "PROGRAMME"]
)
def test_pages_use_a_fixed_number_of_statements(
    app, client, public, make_proposal, create_user, url
):
    url = url.replace("PROGRAMME", f"/portfolio/programmes/{public.closed}")
    with app.app_context():
        engine = db.engine
    response, kept_statements = counted_get(client, engine, url)
    assert response.status_code == 200
    # Kept: the key of the records (two statements) and the layout's names of objectives and
    # pools (one, on the pages that name them).
    assert kept_statements <= 3
    before = _built(app, client, engine, url)
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    for n in range(3):
        make_proposal(author, status="funded", title=f"More {n}", allocated_on=date(2026, 1, 5))
    assert _built(app, client, engine, url) == before
    assert counted_get(client, engine, url)[1] == kept_statements


def test_kept_pages_change_with_their_records(app, backend, client, public):
    """A page served from the kept figures shows a change as soon as it is recorded."""
    assert "Not public" not in _text(client.get("/portfolio"))
    page = _text(client.get(f"/portfolio/programmes/{public.closed}"))
    assert "Total transferred" in page
    national = _text(client.get(f"/portfolio/programmes/{public.national}"))
    assert "321,000.00" in national and "331,000.00" not in national
    contributions = _text(client.get("/portfolio/contributions"))
    with app.app_context():
        secretariat = acting_secretariat()
        pipeline_operations.set_public(secretariat, public.hidden, public=True)
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == public.national)
        )
        finance_operations.record_disbursement(
            secretariat,
            allocation,
            allocation.shares[0].organization_id,
            date(2026, 3, 1),
            Decimal("10000.00"),
            "TR-X",
        )
        finance_operations.record_contribution(
            secretariat,
            donor_organization(),
            date(2025, 6, 1),
            Decimal("12345.67"),
            None,
            fee_rate=Decimal("0"),
        )
        db.session.commit()
    assert "Not public" in _text(client.get("/portfolio"))
    national = _text(client.get(f"/portfolio/programmes/{public.national}"))
    assert "331,000.00" in national
    after = _text(client.get("/portfolio/contributions"))
    assert "12,345.67" in after and "12,345.67" not in contributions
    assert "2025" in after


def test_a_thematic_area_renamed_shows_at_once(app, client, public):
    """Reference data changed without an audit event (a thematic area's title) is part of the
    key of the kept figures too."""
    from fund.reference.models import ThematicArea

    assert "Renamed area" not in _text(client.get("/portfolio"))
    with app.app_context():
        area = db.session.scalars(select(ThematicArea).order_by(ThematicArea.code)).first()
        area.title = "Renamed area"
        db.session.commit()
    assert "Renamed area" in _text(client.get("/portfolio"))


def test_typed_text_takes_its_own_direction_on_a_right_to_left_page(client, public):
    """A summary typed in English, on an Arabic page, reads left to right with its full stop
    at its end: typed text is `prose`, whose lines each take the direction of their words."""
    import re

    page = _text(client.get(f"/portfolio/programmes/{public.closed}?lang=ar"))
    assert 'dir="rtl"' in page
    summary = page.split('id="summary-title"')[1].split("</section>")[0]
    assert re.search(r'<p class="prose">[^<]+</p>', summary)
    css = client.get("/static/css/fund.css").get_data(as_text=True)
    prose = re.search(r"\.prose \{([^}]*)\}", css).group(1)
    assert "unicode-bidi: plaintext" in prose and "text-align: start" in prose


def test_a_programmes_title_and_summary_say_the_language_they_are_written_in(client, public):
    """WCAG 3.1.2: on a French page, the English title and summary are marked `lang="en"`, so
    that a screen reader reads them in English; on an English page they need no mark."""
    from lxml import html as lxml_html

    french = lxml_html.fromstring(
        _text(client.get(f"/portfolio/programmes/{public.closed}?lang=fr"))
    )
    assert french.get("lang") == "fr"
    title = french.xpath("//h1/span")[0]
    assert (title.get("lang"), title.get("dir")) == ("en", "auto")
    summary = french.xpath('//section[@aria-labelledby="summary-title"]/div')[0]
    assert summary.get("lang") == "en" and summary.xpath("p")
    english = lxml_html.fromstring(
        _text(client.get(f"/portfolio/programmes/{public.closed}?lang=en"))
    )
    assert not english.xpath("//h1/span") and english.xpath("//h1")[0].text.strip()
    listed = lxml_html.fromstring(_text(client.get("/portfolio?lang=fr")))
    titles = listed.xpath('//main//a[starts-with(@href, "/portfolio/programmes/")]')
    assert titles and all(t.xpath("span/@lang") == ["en"] for t in titles), [
        lxml_html.tostring(t) for t in titles
    ]


def test_the_status_filter_offers_every_status_and_keeps_the_one_chosen(client, public):
    page = _text(client.get("/portfolio?status=closed"))
    select = page[
        page.index('id="filter-status"') : page.index("</select>", page.index('id="filter-status"'))
    ]
    assert '<option value="funded">Funded</option>' in select
    assert '<option value="closed" selected>Closed</option>' in select
    assert '<option value="pipeline">In the pipeline</option>' in select
