"""The fund's money: contributions, pools, allocations and disbursements."""

from __future__ import annotations

from flask import Flask, g


def pool_name(code: str | None, short: bool = False) -> str:
    """`{{ code|pool_name }}`: a pool in the page's language, "Unearmarked" or "TA1 earmark:
    <the area>"; `{{ code|pool_name(short=True) }}` in a narrow column: "TA1 earmark". The
    areas' titles are read once per request."""
    from fund.finance import funding
    from fund.finance.queries.lists import area_titles

    if short or not code:
        return funding.pool_name(code)
    if not hasattr(g, "_pool_titles"):
        g._pool_titles = area_titles()
    return funding.pool_name(code, g._pool_titles)


def init_app(app: Flask) -> None:
    """Register the finance guards of the proposal workflow, the transfer schedule on the
    proposal page, and in the page's language the pools' names (`pool_name`) and the guards'
    sentences (`said`)."""
    from fund.finance import closure, guards
    from fund.finance.schedule_page import programme_schedule
    from fund.proposals.guards import GUARDS
    from fund.proposals.page import PAGE

    GUARDS.register(
        funds_available=guards.funds_available,
        fully_disbursed_or_reason=guards.fully_disbursed_or_reason,
        final_reports_accepted_or_reason=closure.final_reports_accepted_or_reason,
    )
    PAGE.add_section(programme_schedule)
    app.jinja_env.filters["pool_name"] = pool_name
