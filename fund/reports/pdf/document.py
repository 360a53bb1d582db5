"""What every document of the fund names and how it is printed: the fund (the header's left
and the PDF's author) and its decision body, both from the configuration (`FUND_NAME`,
`DECISION_BODY_NAME`), and the rendering of a document's story on the fund's pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from reportlab.platypus import Flowable

from fund.i18n import DEFAULT, current_language, moment_text
from fund.reports.pdf.styles import fund_furniture, long_date, long_time, render


@dataclass
class FundDocument:
    """The names a document of the fund carries (the fields its own data class starts with)."""

    fund_name: str
    decision_body: str


def fund_names(config: Mapping[str, Any]) -> dict[str, str]:
    """The fields of `FundDocument` from the configuration."""
    return {
        "fund_name": str(config["FUND_NAME"]),
        "decision_body": str(config["DECISION_BODY_NAME"]),
    }


def render_document(
    story: list[Flowable],
    document: FundDocument,
    header: Sequence[str],
    footer_left: str,
    *,
    title: str,
    subject: str,
) -> bytes:
    """The PDF of `story` on the fund's pages (`fund_furniture`: the fund's name, the first of
    the `header` candidates that fits, `footer_left`), by the fund as its author."""
    return render(
        story,
        fund_furniture(document.fund_name, header, footer_left),
        title=title,
        author=document.fund_name,
        subject=subject,
    )


def long_day(day: date) -> str:
    """A day in words in the language of the request: "4 December 2026" in English (as
    `long_date`), "4 décembre 2026" in French."""
    language = current_language()
    if language == DEFAULT:
        return long_date(day)
    return format_date(day, "d MMMM y", locale=language)


def long_moment(moment: datetime) -> str:
    """A UTC moment in words in the language of the request: "4 December 2026, 17:07 UTC" in
    English (as `long_time`), "4 décembre 2026, 17:07 UTC" in French."""
    return long_time(moment) if current_language() == DEFAULT else moment_text(moment)
