"""Drawings (reportlab graphics) for the PDFs: the coverage bar chart, as on the dashboard; in a
right-to-left language (Arabic) mirrored, as the page's chart is: the labels at the right, the
bars growing to the left, the flags and the legend read from the right."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from flask_babel import gettext as _
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

from fund.coverage.charts import MIRRORED_ANCHOR, nice_scale
from fund.coverage.model import FLAG_LABELS, CoverageRow
from fund.i18n import axis_amount, direction, labelled
from fund.money import ZERO
from fund.reports.pdf.styles import (
    BOLD,
    LINE,
    MUTED,
    REGULAR,
    TEXT_WIDTH,
    display_text,
    flag_colour,
    register_fonts,
)
from fund.reports.report_parts import row_label, row_title

# Colours of the bars, as on the dashboard's chart.
FUNDED_COLOUR = colors.HexColor("#0b4f8a")
PIPELINE_COLOUR = colors.HexColor("#2e7d32")
REVIEW_COLOUR = colors.HexColor("#a15c00")


def bar_chart(
    rows: Sequence[CoverageRow], funded_total: Decimal, *, targets: bool, titled: bool = False
) -> Drawing:
    """Horizontal bars per row: funded, then approved (pipeline), then under review, stacked;
    the target as a tick (the money the row would have at its target share of the funded
    total); the flag written after the bar in its colour. `titled` labels rows with their
    titles too, wrapped over as many lines as they need."""
    register_fonts()
    label_width = 190.0 if titled else 150.0
    line_height, bar_height = 8.5, 8.0
    # Room after the bars for the longest flag as the reader's language writes it.
    flag_width = max(
        [62.0] + [stringWidth(_(FLAG_LABELS[row.flag]), BOLD, 6.5) + 10 for row in rows if row.flag]
    )
    top, bottom = 24.0, 20.0
    width = TEXT_WIDTH
    # Labels wrap, never cut: a row is as tall as its label's lines.
    labels = [
        simpleSplit(
            labelled(row_label(row), row_title(row)) if titled else row_label(row),
            REGULAR,
            7.5,
            label_width,
        )
        or [""]
        for row in rows
    ]
    heights = [max(13.0, line_height * len(lines) + 4) for lines in labels]
    height = top + bottom + sum(heights)
    plot_left, plot_right = label_width + 6, width - flag_width
    peak = max(
        [r.funded + r.pending for r in rows]
        + [r.at_target(funded_total) or ZERO for r in rows if targets],
        default=ZERO,
    )
    scale_top, step = nice_scale(peak)
    per_unit = (plot_right - plot_left) / float(scale_top)
    drawing = Drawing(width, height)
    drawing.initialFontName = REGULAR  # else the renderer starts with Helvetica

    def x(amount: Decimal) -> float:
        return plot_left + float(amount) * per_unit

    # Legend.
    legend = [
        (_("Funded"), FUNDED_COLOUR),
        (_("Approved (pipeline)"), PIPELINE_COLOUR),
        (_("Under committee review"), REVIEW_COLOUR),
    ]
    # From the left edge: the legend is longer in some languages than the plot is wide.
    cursor = 0.0
    for text, colour in legend:
        drawing.add(Rect(cursor, height - 10, 8, 7, fillColor=colour, strokeColor=None))
        drawing.add(
            String(cursor + 11, height - 9, display_text(text), fontName=REGULAR, fontSize=7)
        )
        cursor += 16 + stringWidth(text, REGULAR, 7) + 8
    if targets:
        drawing.add(Line(cursor + 4, height - 11, cursor + 4, height - 2, strokeWidth=1.5))
        drawing.add(
            String(
                cursor + 9,
                height - 9,
                display_text(_("Target share")),
                fontName=REGULAR,
                fontSize=7,
            )
        )
    # Grid and axis.
    tick = Decimal(0)
    while tick <= scale_top:
        gx = x(tick)
        drawing.add(Line(gx, bottom, gx, height - top + 4, strokeColor=LINE, strokeWidth=0.4))
        drawing.add(
            String(
                gx,
                bottom - 10,
                display_text(axis_amount(tick)),
                fontName=REGULAR,
                fontSize=6.5,
                textAnchor="middle",
                fillColor=MUTED,
            )
        )
        tick += step
    drawing.add(
        String(
            plot_right, 1, "USD", fontName=REGULAR, fontSize=6.5, textAnchor="end", fillColor=MUTED
        )
    )
    # Bars.
    y = height - top
    for row, lines, row_height in zip(rows, labels, heights, strict=True):
        y -= row_height
        bar_y = y + (row_height - bar_height) / 2
        first = y + row_height / 2 + line_height * (len(lines) - 1) / 2 - 2.5
        for number, text in enumerate(lines):
            drawing.add(
                String(
                    label_width,
                    first - number * line_height,
                    display_text(text),
                    fontName=REGULAR,
                    fontSize=7.5,
                    textAnchor="end",
                )
            )
        start = ZERO
        for amount, colour in (
            (row.funded, FUNDED_COLOUR),
            (row.pipeline or ZERO, PIPELINE_COLOUR),
            (row.review or ZERO, REVIEW_COLOUR),
        ):
            if amount > 0:
                drawing.add(
                    Rect(
                        x(start),
                        bar_y,
                        float(amount) * per_unit,
                        bar_height,
                        fillColor=colour,
                        strokeColor=None,
                    )
                )
                start += amount
        at_target = row.at_target(funded_total)
        if targets and at_target is not None:
            tx = x(at_target)
            drawing.add(Line(tx, bar_y - 2.5, tx, bar_y + bar_height + 2.5, strokeWidth=1.5))
        if row.flag:
            drawing.add(
                String(
                    plot_right + 6,
                    bar_y + 1.5,
                    display_text(_(FLAG_LABELS[row.flag])),
                    fontName=BOLD,
                    fontSize=6.5,
                    fillColor=flag_colour(FLAG_LABELS[row.flag]),
                )
            )
    return mirror(drawing) if direction() == "rtl" else drawing


def mirror(drawing: Drawing) -> Drawing:
    """`drawing` turned left for right, each text still written the right way round."""
    width = drawing.width
    for shape in drawing.contents:
        if isinstance(shape, Rect):
            shape.x = width - shape.x - shape.width
        elif isinstance(shape, Line):
            shape.x1, shape.x2 = width - shape.x1, width - shape.x2
        elif isinstance(shape, String):
            shape.x = width - shape.x
            shape.textAnchor = MIRRORED_ANCHOR[shape.textAnchor]
    return drawing
