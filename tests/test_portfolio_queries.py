"""The public portfolio's reads (`fund.portfolio.queries`): which programmes are public, the
filters, paging by id, one programme's detail, and a fixed number of statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from fund.extensions import db
from fund.pipeline import operations as pipeline_operations
from fund.portfolio import figures, queries
from fund.portfolio.queries import ProgrammeFilters, PublicStatus
from tests.conftest import PreparedDatabase, engine_of
from tests.factories import acting_secretariat, new_open_call, new_proposal
from tests.helpers import count_statements, new_user
from tests.test_open_data import _portfolio


@dataclass
class Public:
    national: int  # funded: Chile
    closed: int  # closed: Côte d'Ivoire and Türkiye, objectives 6 and 18
    global_: int  # funded, global, objectives 6 and 18
    incomplete: int  # funded (a record without allocation)
    pipeline: int  # approved, made public by the committee
    hidden: int  # approved, not public
    mexico: int  # funded: Mexico, objective 3 only


def _public() -> Public:
    found = _portfolio()
    pipeline_operations.set_public(acting_secretariat(), found.pipeline, public=True)
    internal = new_proposal(
        new_user(("applicant",), "ILO"), new_open_call().id, "approved", title="Not public"
    )
    mexico = new_proposal(
        new_user(("applicant",), "IOM"),
        new_open_call().id,
        "funded",
        title="Returns in dignity",
        lines=[("IOM", 3, "400000.00"), ("UNDP", 3, "300000.00")],
        countries=["MX"],
        allocated_on=date(2026, 1, 5),
    )
    db.session.commit()
    return Public(
        found.national,
        found.closed,
        found.global_,
        found.incomplete,
        found.pipeline,
        internal.id,
        mexico.id,
    )


@pytest.fixture(scope="module")
def prepared(request) -> PreparedDatabase:
    return PreparedDatabase(request, _public)


@pytest.fixture
def public(request, prepared) -> Public:
    return prepared.data(engine_of(request))


def _ids(found) -> list[int]:
    return [p.id for p in found]


def test_only_funded_and_public_pipeline_programmes_are_listed(app, backend, public):
    with app.app_context():
        found = queries.list_programmes()
    assert _ids(found) == sorted(
        [
            public.national,
            public.closed,
            public.global_,
            public.incomplete,
            public.pipeline,
            public.mexico,
        ]
    )
    by_id = {p.id: p for p in found}
    assert by_id[public.closed].status is PublicStatus.CLOSED
    assert by_id[public.pipeline].status is PublicStatus.PIPELINE
    assert by_id[public.pipeline].funded == Decimal("0.00")
    assert by_id[public.closed].amount == Decimal("2000000.01")
    assert by_id[public.global_].amount == Decimal("999999.99")
    assert [c.iso2 for c in by_id[public.closed].countries] == ["CI", "TR"]
    assert by_id[public.closed].objectives == (6, 18)
    assert by_id[public.global_].scope == "global"


def test_filters_choose_programmes(app, public):
    with app.app_context():
        found = figures.portfolio()
        country = found.chosen(ProgrammeFilters(country="TR"))
        objective = found.chosen(ProgrammeFilters(objective=3))
        closed = found.chosen(ProgrammeFilters(status=PublicStatus.CLOSED))
        pipeline = found.chosen(ProgrammeFilters(status=PublicStatus.PIPELINE))
        area = queries.thematic_areas()[0][0]
        in_area = found.chosen(ProgrammeFilters(thematic_area=area))
        nowhere = found.chosen(ProgrammeFilters(country="ZZ"))
    assert _ids(country) == [public.closed]
    assert _ids(objective) == [public.mexico]
    assert _ids(closed) == [public.closed]
    assert _ids(pipeline) == [public.pipeline]
    assert all(area in p.thematic_areas for p in in_area)
    assert nowhere == []


def test_pages_by_id(app, public):
    with app.app_context():
        everything = _ids(queries.list_programmes())
        first = _ids(queries.list_programmes(limit=2))
        rest = _ids(queries.list_programmes(after_id=first[-1]))
    assert first + rest == everything and len(first) == 2


def test_detail_of_a_closed_programme(app, public):
    with app.app_context():
        detail = queries.programme_detail(public.closed)
    assert detail is not None
    assert detail.programme.title == "Côte d'Ivoire — Türkiye corridor"
    assert [o.acronym for o in detail.participants] == ["IOM", "UNICEF"]
    assert [o.number for o in detail.objectives] == [6, 18]
    assert detail.budget_total == Decimal("2000000.01")
    assert sum(b.amount for b in detail.budget_by_objective) == Decimal("2000000.01")
    assert [b.objective.number for b in detail.budget_by_objective] == [6, 18]
    assert detail.transferred == Decimal("2000000.01")
    assert [t.paid_on for t in detail.transfers] == [date(2026, 2, 1)] * 2 + [date(2026, 8, 1)]
    assert detail.iati_identifier == f"XM-DAC-41114-MIG00-P{public.closed:05d}"


def test_detail_of_a_public_pipeline_programme_has_no_iati_record(app, public):
    with app.app_context():
        detail = queries.programme_detail(public.pipeline)
    assert detail is not None and detail.iati_identifier is None
    assert detail.transfers == () and detail.budget_total > 0


def test_a_programme_not_public_has_no_detail(app, public):
    with app.app_context():
        assert queries.programme_detail(public.hidden) is None
        assert queries.programme_detail(10**9) is None


def test_fixed_number_of_statements(app, public, create_user, make_proposal):
    list_before = count_statements(app, queries.list_programmes)
    detail_before = count_statements(app, lambda: queries.programme_detail(public.closed))
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    for n in range(3):
        make_proposal(author, status="funded", title=f"More {n}", allocated_on=date(2026, 1, 5))
    assert count_statements(app, queries.list_programmes) == list_before == queries.QUERIES_LIST
    assert (
        count_statements(app, lambda: queries.programme_detail(public.closed))
        == detail_before
        == queries.QUERIES_DETAIL
    )


def test_kept_figures_read_back_equal_to_what_was_kept(app, public):
    """The JSON the pages' figures are kept in gives back the same dataclasses, amounts exact."""
    import json

    from fund.portfolio.kept import from_plain, to_plain
    from fund.portfolio.queries import ProgrammeDetail, ProgrammeSummary

    with app.app_context():
        detail = queries.programme_detail(public.closed)
        found = queries.list_programmes()
    text = json.dumps(to_plain(detail))
    assert "2000000.01" in text
    assert from_plain(ProgrammeDetail, json.loads(text)) == detail
    back = from_plain(tuple[ProgrammeSummary, ...], json.loads(json.dumps(to_plain(found))))
    assert back == tuple(found)
    assert isinstance(back[0].amount, Decimal) and back[0].status in PublicStatus


def test_the_iati_identifier_is_given_only_for_a_programme_the_iati_file_publishes(app, public):
    """A funded record the IATI file leaves out (no allocation, no planned start) is public, but
    its page and the API give no identifier "in the fund's IATI file"; a published one does."""
    from fund.reports.open_data import current_exports

    with app.app_context():
        published = current_exports(app.config, ("iati",)).exports["iati"].published
        left_out = figures.programme(public.incomplete)
        shown = figures.programme(public.closed)
    assert f"P{public.incomplete:05d}" not in published
    assert f"P{public.closed:05d}" in published
    assert left_out is not None and left_out.iati_identifier is None
    assert shown is not None
    assert shown.iati_identifier == f"XM-DAC-41114-MIG00-P{public.closed:05d}"


def test_without_the_iati_schemas_a_programme_page_opens_without_an_identifier(
    app, public, tmp_path
):
    """The IATI file cannot be made (its schemas are missing): the programme's page still
    opens, and gives no identifier it cannot show to be published."""
    app.config["OPEN_DATA_SCHEMA_DIR"] = str(tmp_path / "nowhere")
    app.config["OPEN_DATA_CACHE_DIR"] = str(tmp_path / "cache")
    response = app.test_client().get(f"/portfolio/programmes/{public.closed}")
    assert response.status_code == 200
    assert "IATI identifier" not in response.get_data(as_text=True)
