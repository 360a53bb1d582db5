"""The table of pages at several sizes (bench/sizes.py) says which page is not within target."""

from bench.sizes import table


def _run(proposals: int, pages: dict[str, tuple[float, float, list[int]]]) -> dict:
    return {
        "data": {"proposals": proposals},
        "measures": {
            name: {"name": name, "median_ms": ms, "to_floor": floor, "queries": queries}
            for name, (ms, floor, queries) in pages.items()
        },
    }


def test_a_page_that_grows_more_than_the_limit_or_sends_more_statements_is_named():
    small = _run(2000, {"flat": (10.0, 10.0, [5]), "slow": (10.0, 10.0, [5]), "n+1": (10, 10, [5])})
    large = _run(20000, {"flat": (14.0, 9.0, [5]), "slow": (30.0, 29.0, [5]), "n+1": (11, 11, [6])})
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table([small, large])[2:]}
    assert rows["flat"].endswith("| 5 / 5 | yes |")
    assert "1.40 / 0.90" in rows["flat"]
    assert rows["slow"].endswith("no: grows 3.00x |")
    assert rows["n+1"].endswith("| 5 / 6 | no: statements differ |")


def test_the_target_is_judged_on_the_milliseconds_the_floor_only_shown_beside_them():
    small = _run(2000, {"page": (10.0, 10.0, [3])})
    large = _run(20000, {"page": (20.0, 11.0, [3])})  # the floor itself took twice as long
    row = table([small, large])[2]
    assert "2.00 / 1.10" in row
    assert row.endswith("| no: grows 2.00x |")
