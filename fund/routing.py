"""The fund's URL converters.

Every record is addressed by a whole number of 1 to 2^31 - 1, the largest value an id column
holds (PostgreSQL's INTEGER; SQLite's go further). The `int` converter of every route matches
only those: anything else (0, a sign, more digits, a larger number, digits of other scripts) is
no address of the fund and answers 404 before any view or query runs, for the routes of today
and those added later.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1


class RecordIdConverter(IntegerConverter):
    """A record id: ASCII digits only, within 1..MAX_ID (a rule may narrow the range)."""

    regex = f"[0-9]{{1,{len(str(MAX_ID))}}}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("signed", None)  # an id is never negative
        super().__init__(map, *args, **kwargs)
        self.min = 1 if self.min is None else max(self.min, 1)
        self.max = MAX_ID if self.max is None else min(self.max, MAX_ID)


def init_app(app: Flask) -> None:
    """Make `int` in every route a record id; called before any route is registered."""
    app.url_map.converters["int"] = RecordIdConverter
