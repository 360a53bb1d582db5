"""The coverage bar chart, drawn on the server as a standalone SVG document.

Hand-written SVG with presentation attributes only (no `style` attribute, no <style> element,
no script), so it renders under the strict Content-Security-Policy; it is served from its own
route as image/svg+xml and shown with <img alt>, the same numbers being in the page's table.
In a right-to-left language (Arabic) it is mirrored, as the PDFs' chart is: the labels at the
right, the bars growing to the left, the legend and the flags read from the right.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from fund.coverage.model import FLAG_COLOURS
from fund.coverage.queries import (
    CONCENTRATED,
    FLAG_LABELS,
    PIPELINE_ONLY,
    UNCOVERED,
    UNDER_TARGET,
    Coverage,
    CoverageRow,
)
from fund.i18n import axis_amount, current_language, direction, money, percent
from fund.labels import N_
from fund.reference.translations import objective_numbered
from fund.sentences import LIST_SEPARATOR, Translate, english

WIDTH = 960  # at the least
TITLE_CHAR, BOLD_CHAR = 10, 8  # about the width of a character of the title, of a bold label
LEGEND_CHAR = 7  # about the width of a character of the legend's words
LEGEND_GAP = 24  # between one item of the legend and the next
LABEL_RIGHT = 250  # objective labels end here
PLOT_LEFT = 262
PLOT_RIGHT = 820
ROW_HEIGHT = 24
BAR_HEIGHT = 14
TOP = 92
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"

COLOURS = {
    "funded": "#0b4f8a",
    "pipeline": "#2e7d32",
    "review": "#a15c00",
    "notes": "#6b5b95",
    "target": "#1b1f24",
    "grid": "#c9d2db",
    "ink": "#1b1f24",
    "muted": "#4a5560",
}
FLAG_MARKS = {UNCOVERED: "✕", PIPELINE_ONLY: "◌", UNDER_TARGET: "▼", CONCENTRATED: "▲"}


def nice_scale(maximum: Decimal, ticks: int = 5) -> tuple[Decimal, Decimal]:
    """A round axis maximum at or above `maximum` and its tick step (1, 2, 2.5 or 5 x 10^k)."""
    if maximum <= 0:
        return Decimal(1), Decimal("0.25")
    raw = maximum / ticks
    magnitude = Decimal(10) ** (raw.adjusted())
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        step = factor * magnitude
        if step >= raw:
            break
    top = (maximum / step).to_integral_value(rounding="ROUND_CEILING") * step
    return top, step


def _label(row: CoverageRow, limit: int = 36) -> str:
    """The objective's number and short name in the page's language, cut at `limit`."""
    text = objective_numbered(row.key, current_language(), row.label)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _attrs(**values: object) -> str:
    return " ".join(
        f'{key.rstrip("_").replace("_", "-")}="{escape(str(v), quote=True)}"'
        for key, v in values.items()
    )


@dataclass
class _Element:
    """An element of the chart, written out by `str()`; kept apart until then so that it can be
    mirrored once the chart's width is known."""

    name: str
    content: str = ""
    values: dict[str, object] = field(default_factory=dict)
    words: str = ""  # a text's words, unescaped: their direction is read from them

    def __str__(self) -> str:
        if self.content:
            return f"<{self.name} {_attrs(**self.values)}>{self.content}</{self.name}>"
        return f"<{self.name} {_attrs(**self.values)}/>"


def _element(name: str, content: str = "", **values: object) -> _Element:
    return _Element(name, content, values)


def _text(words: str, **values: object) -> _Element:
    return _Element("text", escape(words), values, words)


def _writing(words: str, default: str = "rtl") -> str:
    """The direction `words` are written in, by their first letter that has one ("1. Data" is
    left to right on an Arabic page), as HTML's dir="auto" reads it; else `default`."""
    for letter in words:
        kind = unicodedata.bidirectional(letter)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return default


def _flip(value: object, width: int, extent: object = 0) -> object:
    """x (of a thing `extent` wide) measured from the other edge, written as it was."""
    flipped = width - float(str(value)) - float(str(extent))
    return f"{flipped:.1f}" if isinstance(value, str) else int(flipped)


# A text's anchor once its chart is mirrored (here and in the PDF's charts): its start becomes
# its end. (A text written right to left keeps its anchor here: its start is already on the
# right.)
MIRRORED_ANCHOR = {"start": "end", "end": "start", "middle": "middle"}


def _mirrored(element: _Element, width: int) -> _Element:
    """`element` turned left for right in a chart `width` wide, its words still written the
    right way round, each text with its direction and its anchor said."""
    values = dict(element.values)
    if element.name == "rect":
        values["x"] = _flip(values["x"], width, values["width"])
    elif element.name == "line":
        values["x1"] = _flip(values["x1"], width)
        values["x2"] = _flip(values["x2"], width)
    elif element.name == "text":
        values["x"] = _flip(values["x"], width)
        writing = _writing(element.words)
        anchor = str(values.pop("text_anchor", "start"))
        values["text_anchor"] = anchor if writing == "rtl" else MIRRORED_ANCHOR[anchor]
        values["direction"] = writing
        if "transform" in values:
            # Turned the other way: the text's foot still faces the bars.
            values["transform"] = re.sub(
                r"rotate\(-90 \S+ (\S+)\)",
                lambda m: f"rotate(90 {values['x']} {m.group(1)})",
                str(values["transform"]),
            )
    return _Element(element.name, element.content, values, element.words)


def chart_height(rows: int) -> int:
    """The height of the objectives' chart of `rows` bars (its title and legend above them, its
    axis below); its width is at least `WIDTH`."""
    return TOP + ROW_HEIGHT * rows + 56


def objectives_chart(
    coverage: Coverage, subtitle: str = "", say: Translate = english, *, rtl: bool | None = None
) -> str:
    """A horizontal bar per objective: funded money, then (for those who may see them) approved
    and under-review money stacked after it; a tick at the target, the flag after the bar. Its
    words are each said by `say(text, **values)` (a page gives the translation's). Mirrored if
    `rtl` (by default, if the page's language is written right to left): the labels on the
    right, the bars growing to the left, the flags on the left."""
    if rtl is None:
        rtl = direction() == "rtl"
    rows = coverage.objectives
    full = coverage.include_pipeline
    total = coverage.totals.funded
    height = chart_height(len(rows))

    largest = max(
        [max(row.funded + row.pending, row.at_target(total) or Decimal(0)) for row in rows]
        or [Decimal(0)]
    )
    top, step = nice_scale(largest)
    width = PLOT_RIGHT - PLOT_LEFT

    def x(amount: Decimal) -> float:
        return PLOT_LEFT + float(amount / top) * width

    title = (
        say(N_("Money per GCM objective: funded, approved, under review and in concept notes"))
        if full
        else say(N_("Money per GCM objective: funded"))
    )
    colours = (
        say(
            N_(
                "Dark blue: funded; green: approved, awaiting funds; brown: under committee "
                "review; purple: indicated by concept notes in the pipeline; stacked after the "
                "funded part."
            )
        )
        if full
        else say(N_("Dark blue: funded."))
    )
    description = " ".join(
        [
            say(N_("Horizontal bars, one per objective, in US dollars.")),
            colours,
            say(
                N_(
                    "A black tick marks the target share of the funded total; flags are written "
                    "on the left. The same figures are in the table of objectives on the "
                    "dashboard."
                )
            )
            if rtl
            else say(
                N_(
                    "A black tick marks the target share of the funded total; flags are written "
                    "on the right. The same figures are in the table of objectives on the "
                    "dashboard."
                )
            ),
        ]
    )
    # The chart is as wide as its longest words need (another language's are longer): the
    # title, the legend's line and the flags after the bars, by an estimate of their width.
    # It is drawn left to right, then mirrored if the page's language is written right to left.
    flags = [f"{FLAG_MARKS[f]} {say(FLAG_LABELS[f])}" for f in {r.flag for r in rows} if f]
    needed = [
        16 + TITLE_CHAR * len(title),
        PLOT_RIGHT + 10 + BOLD_CHAR * max(map(len, flags), default=0),
    ]
    out: list[_Element] = [
        _element("title", escape(title), id="chart-title"),
        _element("desc", escape(description), id="chart-desc"),
        _text(title, x=16, y=26, font_size=17, font_weight="bold", fill=COLOURS["ink"]),
    ]
    if subtitle:
        out.append(_text(subtitle, x=16, y=46, fill=COLOURS["muted"]))

    # Legend
    legend = [("funded", say(N_("Funded")))]
    if full:
        # Short words: the four and the flags fit on one line of the chart's width.
        legend += [
            ("pipeline", say(N_("Approved"))),
            ("review", say(N_("Under review"))),
            ("notes", say(N_("Concept notes"))),
        ]
    # Each item of the legend starts after the words of the one before, by their estimated
    # width, in every language ("القيمة المستهدفة" is longer than "Target").
    lx = 16
    for key, text in legend:
        out.append(_element("rect", x=lx, y=58, width=14, height=14, fill=COLOURS[key]))
        out.append(_text(text, x=lx + 20, y=70, fill=COLOURS["ink"]))
        lx += 20 + LEGEND_CHAR * len(text) + 10
    target = say(N_("Target"))
    out.append(
        _element(
            "line", x1=lx + 7, y1=56, x2=lx + 7, y2=74, stroke=COLOURS["target"], stroke_width=2
        )
    )
    out.append(_text(target, x=lx + 14, y=70, fill=COLOURS["ink"]))
    lx += 14 + LEGEND_CHAR * len(target) + LEGEND_GAP
    for flag in (UNCOVERED, PIPELINE_ONLY, UNDER_TARGET, CONCENTRATED):
        if flag == PIPELINE_ONLY and not full:
            continue
        text = f"{FLAG_MARKS[flag]} {say(FLAG_LABELS[flag])}"
        out.append(_text(text, x=lx, y=70, fill=FLAG_COLOURS[flag]))
        lx += LEGEND_CHAR * len(text) + LEGEND_GAP
    needed.append(lx)

    # Grid and x axis
    plot_bottom = TOP + ROW_HEIGHT * len(rows)
    tick = Decimal(0)
    while tick <= top:
        tx = x(tick)
        out.append(
            _element(
                "line",
                x1=f"{tx:.1f}",
                y1=TOP - 4,
                x2=f"{tx:.1f}",
                y2=plot_bottom,
                stroke=COLOURS["grid"],
                stroke_width=1,
            )
        )
        out.append(
            _text(
                axis_amount(tick),
                x=f"{tx:.1f}",
                y=plot_bottom + 16,
                text_anchor="middle",
                fill=COLOURS["ink"],
            )
        )
        tick += step
    out.append(
        _element(
            "line",
            x1=PLOT_LEFT,
            y1=plot_bottom,
            x2=PLOT_RIGHT,
            y2=plot_bottom,
            stroke=COLOURS["ink"],
            stroke_width=1,
        )
    )
    axis_label = (
        say(
            N_(
                "US dollars (funded, then approved, under review and in concept notes stacked "
                "after it)"
            )
        )
        if full
        else say(N_("US dollars funded"))
    )
    out.append(
        _text(
            axis_label,
            x=(PLOT_LEFT + PLOT_RIGHT) // 2,
            y=plot_bottom + 38,
            text_anchor="middle",
            fill=COLOURS["ink"],
        )
    )
    out.append(
        _text(
            say(N_("GCM objective")),
            x=14,
            y=(TOP + plot_bottom) // 2,
            text_anchor="middle",
            transform=f"rotate(-90 14 {(TOP + plot_bottom) // 2})",
            fill=COLOURS["ink"],
        )
    )

    # Bars
    for index, row in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
        middle = y + ROW_HEIGHT / 2 + 4
        out.append(
            _text(
                _label(row),
                x=LABEL_RIGHT,
                y=f"{middle:.1f}",
                text_anchor="end",
                fill=COLOURS["ink"],
            )
        )
        start = Decimal(0)
        parts = [("funded", row.funded, N_("Objective %(number)s funded: %(amount)s"))]
        if full:
            parts += [
                (
                    "pipeline",
                    row.pipeline or Decimal(0),
                    N_("Objective %(number)s approved: %(amount)s"),
                ),
                (
                    "review",
                    row.review or Decimal(0),
                    N_("Objective %(number)s under review: %(amount)s"),
                ),
                (
                    "notes",
                    row.notes or Decimal(0),
                    N_("Objective %(number)s in concept notes of the pipeline: %(amount)s"),
                ),
            ]
        for key, amount, what in parts:
            if amount > 0:
                x0, x1 = x(start), x(start + amount)
                words = say(what, number=row.key, amount=money(amount))
                tooltip = str(_element("title", escape(words)))
                out.append(
                    _element(
                        "rect",
                        tooltip,
                        x=f"{x0:.1f}",
                        y=f"{bar_y:.1f}",
                        width=f"{max(x1 - x0, 1):.1f}",
                        height=BAR_HEIGHT,
                        fill=COLOURS[key],
                    )
                )
                start += amount
        target = row.at_target(total)
        if target is not None and total > 0:
            tx = x(target)
            out.append(
                _element(
                    "line",
                    x1=f"{tx:.1f}",
                    y1=f"{bar_y - 3:.1f}",
                    x2=f"{tx:.1f}",
                    y2=f"{bar_y + BAR_HEIGHT + 3:.1f}",
                    stroke=COLOURS["target"],
                    stroke_width=2,
                )
            )
        if row.flag:
            out.append(
                _text(
                    f"{FLAG_MARKS[row.flag]} {say(FLAG_LABELS[row.flag])}",
                    x=PLOT_RIGHT + 10,
                    y=f"{middle:.1f}",
                    fill=FLAG_COLOURS[row.flag],
                    font_weight="bold",
                )
            )
    width = max(WIDTH, int(max(needed)) + 16)
    if rtl:
        out = [_mirrored(element, width) for element in out]
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family="{FONT}" font-size="12">',
        *map(str, out[:2]),  # its title and description
        str(_element("rect", x=0, y=0, width=width, height=height, fill="#ffffff")),
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + "\n".join([*head, *map(str, out[2:]), "</svg>"])
        + "\n"
    )


def chart_summary(coverage: Coverage, say: Translate = english) -> str:
    """A sentence or three describing the chart, for the page's long description; each phrase
    by `say(text, **values)` (a page gives the translation's, `flask_babel.gettext`)."""
    rows = coverage.objectives
    funded = sorted((r for r in rows if r.funded > 0), key=lambda r: -r.funded)
    parts = []
    if funded:
        top = say(LIST_SEPARATOR).join(
            say(
                N_("objective %(number)s (%(amount)s, %(share)s)"),
                number=r.key,
                amount=money(r.funded),
                share=percent(r.share),
            )
            for r in funded[:3]
        )
        parts.append(say(N_("Most funded: %(objectives)s."), objectives=top))
    else:
        parts.append(say(N_("No objective has funded money yet.")))
    for flag in (UNCOVERED, PIPELINE_ONLY, UNDER_TARGET, CONCENTRATED):
        keys = [r.key for r in rows if r.flag == flag]
        if keys:
            numbers = say(LIST_SEPARATOR).join(keys)
            objectives = (
                say(N_("objectives %(numbers)s"), numbers=numbers)
                if len(keys) > 1
                else say(N_("objective %(number)s"), number=numbers)
            )
            parts.append(
                say(N_("%(label)s: %(message)s"), label=say(FLAG_LABELS[flag]), message=objectives)
                + "."
            )
    return " ".join(parts)
