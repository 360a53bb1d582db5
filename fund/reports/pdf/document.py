"""What every document of the fund names and how it is printed: the fund (the header's left
and the PDF's author) and its decision body, both from the configuration (`FUND_NAME`,
`DECISION_BODY_NAME`), and the rendering of a document's story on the fund's pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.platypus import Flowable

from fund.reports.pdf.styles import fund_furniture, render


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
