"""The coverage chart (the SVG) reads from the right on a right-to-left page (Arabic): the
objectives' labels at the right, the bars growing to the left from a baseline at the right, the
axis, the legend and the flags read from the right, each text anchored and directed so that its
words sit at the right place. In a left-to-right language it is drawn as it always was."""

from __future__ import annotations

import dataclasses
import html
import itertools
import re
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from lxml import etree

from fund.coverage import queries
from fund.coverage.charts import LABEL_RIGHT, PLOT_LEFT, PLOT_RIGHT, _writing, objectives_chart
from fund.coverage.queries import CONCENTRATED, PIPELINE_ONLY, UNCOVERED
from tests.helpers import coverage_row

SVG = "{http://www.w3.org/2000/svg}"


def _coverage():
    """The fund's coverage with three objectives: 1 funded and approved and under review and in
    concept notes (concentrated), 2 only approved (pipeline only), 3 with nothing."""
    full = queries.coverage(include_pipeline=True)
    rows = [
        coverage_row(
            "1",
            "1. Data",
            funded=Decimal("600000"),
            pipeline=Decimal("200000"),
            review=Decimal("100000"),
            notes=Decimal("50000"),
            programmes=1,
            share=Decimal("1"),
            flag=CONCENTRATED,
        ),
        coverage_row(
            "2", "2. Minimize adverse drivers", pipeline=Decimal("300000"), flag=PIPELINE_ONLY
        ),
        coverage_row("3", "3. Information provision", flag=UNCOVERED),
    ]
    totals = dataclasses.replace(full.totals, funded=Decimal("600000"))
    return dataclasses.replace(full, objectives=rows, totals=totals)


def _chart(app, language: str, **options) -> tuple[etree._Element, str]:
    with app.test_request_context(f"/coverage/chart.svg?lang={language}"), force_locale(language):
        svg = objectives_chart(_coverage(), "All calls", say=gettext, **options)
    return etree.fromstring(svg.encode()), svg


def _texts(root: etree._Element) -> list[etree._Element]:
    return root.findall(f"{SVG}text")


def _extends_right(text: etree._Element) -> bool:
    """Whether a text's words run to the right of its x (its left edge is at x)."""
    anchor = text.get("text-anchor", "start")
    writing = text.get("direction", "ltr")
    return (anchor, writing) in (("start", "ltr"), ("end", "rtl"))


def _extends_left(text: etree._Element) -> bool:
    """Whether a text's words run to the left of its x (its right edge is at x)."""
    anchor = text.get("text-anchor", "start")
    writing = text.get("direction", "ltr")
    return (anchor, writing) in (("end", "ltr"), ("start", "rtl"))


def _bars(root: etree._Element) -> dict[str, list[tuple[float, float]]]:
    """Each objective's bars, in the order drawn (funded first), as (left, right) edges."""
    bars: dict[str, list[tuple[float, float]]] = {}
    for rect in root.findall(f"{SVG}rect"):
        tooltip = rect.find(f"{SVG}title")
        if tooltip is not None:
            left = float(rect.get("x"))
            right = left + float(rect.get("width"))
            bars.setdefault(rect.get("y"), []).append((left, right))
    return bars


def test_on_an_arabic_page_the_chart_reads_from_the_right(app):
    root, _svg = _chart(app, "ar")
    width = float(root.get("width"))
    baseline, far_end = width - PLOT_LEFT, width - PLOT_RIGHT
    texts = _texts(root)
    # Every text says the direction of its words: Arabic right to left, an objective's name
    # that is still in English ("1. Data") left to right.
    assert all(text.get("direction") in ("rtl", "ltr") for text in texts)
    labels = [t for t in texts if (t.text or "").startswith(("1. ", "2. ", "3. "))]
    assert len(labels) == 3
    for label in labels:
        # The labels stand right of the plot and run to the right from it.
        assert float(label.get("x")) > baseline and _extends_right(label), label.attrib
        assert label.get("direction") == "ltr"
    flags = [t for t in texts if t.get("font-weight") == "bold" and t is not texts[0]]
    assert len(flags) == 3
    for flag in flags:
        # The flags are left of the bars' far end, and run to the left from there.
        assert float(flag.get("x")) < far_end and _extends_left(flag), flag.attrib
        assert flag.get("direction") == "rtl"
    bars = _bars(root)
    funded_row = max(bars.values(), key=len)
    assert len(funded_row) == 4  # funded, approved, under review, concept notes
    # The funded part starts at the baseline on the right; each next part continues to its left.
    assert funded_row[0][1] == pytest.approx(baseline, abs=0.2)
    for (left, _right), (next_left, next_right) in itertools.pairwise(funded_row):
        assert next_right == pytest.approx(left, abs=0.2) and next_left < left
    for parts in bars.values():
        assert all(far_end - 0.2 <= left < right <= baseline + 0.2 for left, right in parts)
    # The axis: "0" at the baseline, the larger amounts further left.
    ticks = [t for t in texts if t.get("text-anchor") == "middle" and not t.get("transform")]
    zero = next(t for t in ticks if t.text == "0")
    assert float(zero.get("x")) == pytest.approx(baseline, abs=0.2)
    tick_xs = [float(t.get("x")) for t in ticks if t.get("y") == zero.get("y")]
    assert tick_xs == sorted(tick_xs, reverse=True) and len(tick_xs) >= 3
    # The axis's title is under the plot's middle; the objectives' is on the right, turned
    # so that its foot faces the bars.
    title_of_axis = next(t for t in ticks if t.get("y") != zero.get("y"))
    assert float(title_of_axis.get("x")) == pytest.approx((baseline + far_end) / 2, abs=1)
    turned = next(t for t in texts if t.get("transform"))
    assert float(turned.get("x")) > width - PLOT_LEFT + LABEL_RIGHT - 20
    assert turned.get("transform").startswith("rotate(90 ")
    # The chart's title and the legend start at the right edge and read leftwards.
    title = texts[0]
    assert float(title.get("x")) == width - 16 and _extends_left(title)
    legend = [t for t in texts if t.get("y") == "70"]
    xs = [float(t.get("x")) for t in legend]
    assert xs == sorted(xs, reverse=True) and len(xs) >= 5
    assert all(_extends_left(t) for t in legend)
    # Its description says where the flags are.
    english, _ = _chart(app, "en", rtl=True)
    description = english.find(f"{SVG}desc").text
    assert "flags are written on the left" in description and "on the right" not in description


def test_a_mirrored_chart_is_the_left_to_right_one_turned_over(app):
    """The same chart drawn both ways: every shape and text at the mirrored place."""
    ltr, _ = _chart(app, "en")
    rtl, _ = _chart(app, "en", rtl=True)
    width = float(ltr.get("width"))
    assert rtl.get("width") == ltr.get("width")
    for left, right in zip(ltr, rtl, strict=True):
        assert left.tag == right.tag
        if left.tag != f"{SVG}desc":  # which says on which side the flags are
            assert left.text == right.text
        if left.tag == f"{SVG}rect" and left.get("x") != "0":
            mirrored = width - float(left.get("x")) - float(left.get("width"))
            assert float(right.get("x")) == pytest.approx(mirrored, abs=0.11)
        elif left.tag == f"{SVG}line":
            for end in ("x1", "x2"):
                mirrored = width - float(left.get(end))
                assert float(right.get(end)) == pytest.approx(mirrored, abs=0.11)
        elif left.tag == f"{SVG}text":
            assert float(right.get("x")) == pytest.approx(width - float(left.get("x")), abs=0.11)
            assert _extends_right(left) == _extends_left(right) or left.get("text-anchor") == (
                "middle"
            )


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_left_to_right_chart_is_drawn_as_before(app, language):
    """Labels end at the left of the plot, bars grow to the right from its baseline, flags after
    them; no text carries a direction or a mirrored anchor."""
    root, svg = _chart(app, language)
    assert "direction=" not in svg
    texts = _texts(root)
    labels = [t for t in texts if t.get("x") == str(LABEL_RIGHT)]
    assert len(labels) == 3 and all(t.get("text-anchor") == "end" for t in labels)
    flags = [t for t in texts if t.get("font-weight") == "bold" and t is not texts[0]]
    assert len(flags) == 3 and all(t.get("x") == str(PLOT_RIGHT + 10) for t in flags)
    assert all(t.get("text-anchor") is None for t in flags)
    funded_row = max(_bars(root).values(), key=len)
    assert funded_row[0][0] == pytest.approx(PLOT_LEFT, abs=0.05)
    assert [left for left, _ in funded_row] == sorted(left for left, _ in funded_row)
    assert texts[0].get("x") == "16" and texts[0].get("text-anchor") is None


def test_a_left_to_right_page_serves_the_same_chart_as_before(app, client):
    """The page's chart in English, French and Spanish is the one drawn left to right, byte for
    byte; in Arabic it is the mirrored one."""
    with app.app_context():
        coverage = queries.coverage(include_pipeline=False)
    for language in ("en", "fr", "es", "ar"):
        served = client.get(f"/coverage/chart.svg?lang={language}").get_data(as_text=True)
        with app.test_request_context(f"/?lang={language}"), force_locale(language):
            subtitle = html.unescape(served.split('y="46"', 1)[1].split(">", 1)[1].split("<")[0])
            drawn = objectives_chart(coverage, subtitle, say=gettext, rtl=language == "ar")
            plain = objectives_chart(coverage, subtitle, say=gettext, rtl=False)
        assert served == drawn
        assert (served == plain) is (language != "ar")


def test_the_direction_of_words_is_read_from_their_first_letter():
    assert _writing("1. Data") == "ltr"
    assert _writing("✕ غير مغطى") == "rtl"
    assert _writing("0") == "rtl" and _writing("0", default="ltr") == "ltr"


def test_the_phones_bars_grow_from_the_right_on_a_right_to_left_page(client):
    """On a phone the chart is a list of bars, each drawn from x=0 with its baseline at the
    line's start (the right, in Arabic): on a right-to-left page the stylesheet turns them over
    so that they grow from that baseline."""
    page = client.get("/coverage/?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page and 'class="bar"' in page
    css = " ".join(client.get("/static/css/fund.css").get_data(as_text=True).split())
    rule = css.split('[dir="rtl"] ol.bar-list svg.bar rect {', 1)[1].split("}", 1)[0]
    assert "transform: scaleX(-1)" in rule and "transform-box: view-box" in rule
    assert "transform-origin: center" in rule


def test_the_phones_bar_list_gives_each_objective_name_its_own_direction(client):
    """On an Arabic page an objective still named in English ("1. Data") keeps its number
    before its words: each name takes the direction of its own letters."""
    page = client.get("/coverage/?lang=ar").get_data(as_text=True)
    names = re.findall(r'<span class="bar-name"([^>]*)>', page)
    assert names and all('dir="auto"' in attributes for attributes in names)
