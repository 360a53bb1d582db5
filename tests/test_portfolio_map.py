"""The world map's parts: the outlines shipped (made by fund.portfolio.map_source from
Natural Earth), the projection, the colour classes, the funded money by country."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fund.portfolio import map_source, world_map
from fund.portfolio.figures import Portfolio, map_figures
from fund.portfolio.queries import CountryRef, ProgrammeFilters, ProgrammeSummary, PublicStatus

SEED = Path(__file__).resolve().parent.parent / "seed"


def test_the_shipped_outlines_are_keyed_by_iso_alpha2_with_their_notice():
    drawn = world_map.geometry()
    keys = set(drawn["paths"])
    assert {"FR", "BR", "CN", "MX", "TR", "CI", "FJ", "RU"} <= keys
    assert all(len(k) == 2 or k.startswith("~") for k in keys)
    assert "AQ" not in keys  # Antarctica left out
    members = {row["iso2"] for row in csv.DictReader((SEED / "countries.csv").open())}
    assert len(members & keys) >= 160
    assert (SEED / "geo" / "LICENSE-world-atlas").read_text().startswith("Copyright")
    assert "public domain" in (SEED / "geo" / "README.md").read_text()
    for path in drawn["paths"].values():
        assert path.startswith("M") and path.endswith("Z")


def test_equal_earth_projection():
    assert map_source.equal_earth(0, 0) == (0.0, 0.0)
    east, _ = map_source.equal_earth(180, 0)
    west, _ = map_source.equal_earth(-180, 0)
    assert east == pytest.approx(-west) and east == pytest.approx(2.7064, abs=1e-3)
    _, north = map_source.equal_earth(0, 90)
    assert north == pytest.approx(1.3173, abs=1e-3)


def test_a_ring_across_the_antimeridian_stays_on_one_side():
    ring = [(178.0, -17.0), (-179.0, -17.5), (-179.5, -16.0), (178.0, -17.0)]
    kept = map_source._on_one_side(ring)
    assert all(170 <= lon <= 180 for lon, _ in kept)


def test_the_topology_is_decoded_from_quantized_deltas():
    topology = {
        "transform": {"scale": [1, 1], "translate": [-10, -10]},
        "arcs": [[[0, 0], [10, 0], [0, 10], [-10, 0], [0, -10]]],
    }
    arc = map_source._arcs(topology)[0]
    assert arc == [(-10, -10), (0, -10), (0, 0), (-10, 0), (-10, -10)]
    assert map_source._ring([~0], [arc]) == arc[::-1]


def test_numeric_codes_become_alpha2():
    codes = map_source.numeric_to_alpha2()
    assert codes["250"] == "FR" and codes["484"] == "MX" and codes["004"] == "AF"
    assert codes["304"] == "GL"  # a territory, from CLDR


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [("1234567", "1300000"), ("100", "100"), ("0.5", "0.5"), ("999", "1000"), ("0", "0")],
)
def test_round_up(amount, rounded):
    assert world_map.round_up(Decimal(amount)) == Decimal(rounded)


def test_colour_classes_cover_every_amount():
    classes = world_map.colour_classes(Decimal("1070000"))
    assert [c.high for c in classes[1:]] == [
        Decimal("140000"),
        Decimal("280000"),
        Decimal("550000"),
        Decimal("1100000"),
    ]
    assert world_map.colour_of(Decimal(0), classes) == world_map.NO_MONEY
    assert world_map.colour_of(Decimal("1"), classes) == world_map.COLOURS[0]
    assert world_map.colour_of(Decimal("1070000"), classes) == world_map.COLOURS[-1]


def _programme(id_, scope, countries, funded, status=PublicStatus.FUNDED, objectives=(6,)):
    return ProgrammeSummary(
        id=id_,
        reference=f"P-{id_:05d}",
        title=f"P{id_}",
        status=status,
        is_concept_note=False,
        scope=scope,
        lead=None,
        countries=tuple(CountryRef(c, c) for c in countries),
        primary_objective=objectives[0],
        objectives=objectives,
        thematic_areas=(),
        amount=Decimal(funded),
        funded=Decimal(funded) if status is not PublicStatus.PIPELINE else Decimal(0),
        planned_start=None,
        duration_months=None,
    )


def test_funded_money_by_country_splits_evenly_and_keeps_regional_and_global_apart():
    found = Portfolio(
        programmes=(
            _programme(1, "multi_country", ["CL", "MX", "PE"], "100.00"),
            _programme(2, "national", ["MX"], "50.00", objectives=(3,)),
            _programme(3, "regional", ["ML", "NE"], "70.00"),
            _programme(4, "global", [], "30.00"),
            _programme(5, "national", ["FR"], "999.00", status=PublicStatus.PIPELINE),
        ),
        objectives=(),
        areas=(),
        countries=(),
        as_of=datetime(2026, 1, 1, tzinfo=UTC),
    )
    money = map_figures(found, ProgrammeFilters())
    by_country = {c.country.iso2: c.amount for c in money.countries}
    assert by_country == {
        "MX": Decimal("83.33"),
        "CL": Decimal("33.34"),
        "PE": Decimal("33.33"),
    }
    assert [p.id for p in money.regional] == [3] and [p.id for p in money.global_] == [4]
    assert money.total == Decimal("250.00")
    only = map_figures(found, ProgrammeFilters(objective=3))
    assert [(c.country.iso2, c.amount) for c in only.countries] == [("MX", Decimal("50.00"))]
    drawn = world_map.world_map(money)
    funded = {s.key for s in drawn.shapes if s.funded}
    assert funded == {"CL", "MX", "PE"}
