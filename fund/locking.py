"""Reading a row to change it: locked until the commit, and read afresh under the lock."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select

from fund.extensions import db
from fund.refusals import Refused

M = TypeVar("M")


def locked(model: type[M], row_id: Any) -> M | None:
    """The row of `model` whose id is `row_id`, or None: `SELECT ... FOR UPDATE` (on SQLite,
    the write lock: `fund.extensions.tune_sqlite`), its columns read again even when the
    session holds the row already, so what a change checks is what the lock protects."""
    return db.session.execute(
        select(model)
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def locked_or_refused(model: type[M], row_id: Any, refused: type[Refused], missing: str) -> M:
    """The row `locked`; refused (`refused` with the sentence `missing`) when there is none."""
    row = locked(model, row_id)
    if row is None:
        raise refused(missing)
    return row


def stale(row: Any, expected_version: int | None) -> bool:
    """Whether the page a change comes from showed `row` at another version than the one it
    has now (`expected_version`; None when the page names none): such a change is refused as
    stale, nothing of it saved."""
    return expected_version is not None and row.version != expected_version


def locked_current(
    model: type[M],
    row_id: Any,
    expected_version: int | None,
    refused: type[Refused],
    *,
    missing: str,
    changed: str,
) -> M:
    """The row to change, `locked`; refused (`refused` with the sentence `missing`) when there
    is none, and as stale (with `changed`) when the page showed it at another version than
    `expected_version` (`stale`)."""
    row = locked_or_refused(model, row_id, refused, missing)
    if stale(row, expected_version):
        raise refused(changed, stale=True)
    return row
