"""The open-data files of the funded programmes (IATI and 360Giving): built from one read of the
records, kept on disk under a key of those records (`fund.reports.cache`), and what each one
publishes. The open-data pages and files, the command, and the public programme pages (which
give a programme's IATI identifier only when the IATI file publishes it) read them here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import current_app

from fund.extensions import utcnow
from fund.reports import queries
from fund.reports.cache import Cached, cached_exports
from fund.reports.giving360 import build_360giving
from fund.reports.iati import Export, SchemaMissing, build_iati

OPEN_DATA_BUILDERS = {"iati": build_iati, "360giving": build_360giving}
OPEN_DATA_LABELS = {"iati": "IATI", "360giving": "360Giving"}


def open_data_exports(
    config: Mapping[str, Any], now: datetime, kinds: tuple[str, ...] = ("iati", "360giving")
) -> dict[str, Export]:
    """The open-data exports of the funded programmes, built from one read of the records."""
    programmes = queries.funded_programmes()
    publisher = queries.publisher_from_config(config)
    return {kind: OPEN_DATA_BUILDERS[kind](programmes, publisher, now, config) for kind in kinds}


def current_exports(
    config: Mapping[str, Any], kinds: tuple[str, ...] = ("iati", "360giving")
) -> Cached:
    """The open-data exports for the records as they are now: kept on disk under a key of
    those records (`fund.reports.cache`), built only when that key has none."""
    return cached_exports(
        config, kinds, lambda missing: open_data_exports(config, utcnow(), missing)
    )


def in_iati_file(config: Mapping[str, Any], proposal_id: int) -> bool:
    """Whether the fund's IATI file, for the records as they are now, publishes the programme
    (it leaves out, with the reason, one that cannot be published validly). No, while the file
    cannot be made (its schemas missing): the open-data pages say so and log it."""
    try:
        published = current_exports(config, ("iati",)).exports["iati"].published
    except SchemaMissing as error:
        current_app.logger.error("open data cannot be validated: %s", error)
        return False
    return queries.proposal_ref(proposal_id) in published
