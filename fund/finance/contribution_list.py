"""The contributions list: filters (donor, pool, counted or voided), order and paging read
from the address, and "export this view" (CSV, XLSX) of the same rows, every page."""

from __future__ import annotations

from typing import Any

from flask import url_for

from fund import xlsx
from fund.finance import funding
from fund.finance.deposit_references import RepeatedReference
from fund.finance.models import GENERAL_POOL
from fund.finance.queries import lists
from fund.i18n import labelled
from fund.listing import Export, Sorting, choice_arg, export_response, sort_arg
from fund.query_args import id_arg, page_arg

EXPORT = Export(
    name="contributions",
    title="Contributions",
    header=(
        "Contribution",
        "Donor",
        "Received on",
        "Pool",
        "Currency",
        "Amount received",
        "Exchange rate",
        "Gross (USD)",
        "Fee (USD)",
        "Net (USD)",
        "Reference",
        "Note",
        "Status",
        "Voided (UTC)",
        "Reason for the void",
    ),
    cells=lambda c: (
        c.code,
        c.donor.display_name,
        c.received_on,
        funding.pool_label(c.pool_code),
        c.currency,
        c.currency_amount,
        c.exchange_rate,
        c.gross,
        c.fee,
        c.net,
        c.reference,
        c.note,
        "Voided" if c.void else "Counted",
        c.void.voided_at if c.void else None,
        c.void.reason if c.void else "",
    ),
    # The exchange rate with its own decimals (0.0493 would read 0.05 as money).
    formats=(None,) * 6 + (xlsx.RATE_FORMAT,),
)


def _read(titles: dict[str, str]) -> tuple[lists.ContributionFilters, Any]:
    pools = [GENERAL_POOL, *titles]
    filters = lists.ContributionFilters(
        donor_id=id_arg("donor"),
        pool=choice_arg("pool", pools),
        status=choice_arg("status", lists.CONTRIBUTION_STATES),
    )
    return filters, sort_arg(lists.CONTRIBUTION_SORT, *lists.CONTRIBUTION_DEFAULT_SORT)


def context(titles: dict[str, str]) -> dict[str, Any]:
    """What the page shows of the list: `contributions` (the page's rows) and the rest."""
    filters, sorting = _read(titles)
    page = lists.contributions_page(filters, sorting, page_arg())
    return {
        "contributions": page.rows,
        "contribution_page": page,
        "contribution_filters": filters,
        "contribution_sorting": sorting,
        "contribution_args": {**filters.args(), **sorting.args()},
        "contribution_states": lists.CONTRIBUTION_STATES,
        "contribution_donors": lists.contribution_donors(),
        "contribution_pools": [
            (GENERAL_POOL, funding.GENERAL_LABEL),
            *((code, labelled(code, title)) for code, title in sorted(titles.items())),
        ],
    }


def earlier_address(repeated: RepeatedReference) -> str:
    """Where the refusal of a repeated reference links: the donor's contributions, in the
    list's own order, at the page and row of the earlier deposit."""
    filters = lists.ContributionFilters(donor_id=repeated.donor_id)
    own = Sorting(
        *lists.CONTRIBUTION_DEFAULT_SORT, lists.CONTRIBUTION_SORT, *lists.CONTRIBUTION_DEFAULT_SORT
    )
    page = lists.contribution_page_of(repeated.earlier_id, filters, own)
    return url_for(
        "finance.contributions",
        **filters.args(),
        page=page if page > 1 else None,
        _anchor=f"contribution-{repeated.earlier_id}",
    )


def export(fmt: str, titles: dict[str, str]):
    filters, sorting = _read(titles)
    return export_response(fmt, EXPORT, lists.contributions_view(filters, sorting))
