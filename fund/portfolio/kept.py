"""What the public pages show, kept between requests where the open-data files are kept.

The public pages read their figures through `kept(kind, build, cls)`: the figures are stored
in the open-data cache (`fund.reports.cache`), under the same key of the records, so that they
are built again as soon as a record they are made from changes (a programme funded or closed,
made public in the pipeline, an allocation, a transfer, an accepted actual, a contribution:
every change through the application moves the audit trail's head, which the key reads), and
served as stored otherwise. The key also covers this package's code. A request thus costs the
two statements of the key, plus the build when the records changed. The figures every page
reads (the portfolio, the contributions) are also held by the process under their key, so
that an unchanged fund does not read and decode them again at each request.

The figures are stored as JSON: dataclasses as objects, Decimal as text (exact), dates as ISO
text, read back into the same dataclasses by their type hints.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from flask import current_app

from fund.extensions import utcnow
from fund.reports.cache import Fingerprint, cached_exports, fingerprint, source_digest
from fund.reports.iati import Export

T = TypeVar("T")

# The modules whose code shapes what is kept.
_SOURCES = ("queries.py", "kept.py", "figures.py")


@functools.cache
def code_digest() -> str:
    return source_digest(__file__, _SOURCES)


def to_plain(value: Any) -> Any:
    """`value` as JSON values: dataclasses as objects, Decimal, dates and enums as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal | date):  # datetime is a date
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    return value


def from_plain(kind: Any, value: Any) -> Any:
    """The value of type `kind` that `to_plain` made `value` from."""
    return _decoder(kind)(value)


def _same(value: Any) -> Any:
    return value


@functools.cache
def _decoder(kind: Any) -> Callable[[Any], Any]:
    """The function reading a value of type `kind` back (made once per type: reading the type
    hints takes far longer than reading a value)."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [k for k in typing.get_args(kind) if k is not type(None)]
        read = _decoder(inner)
        return lambda value: None if value is None else read(value)
    if origin is tuple:
        arguments = typing.get_args(kind)
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            each = _decoder(arguments[0])
            return lambda value: tuple(each(v) for v in value)
        readers = [_decoder(k) for k in arguments]
        return lambda value: tuple(r(v) for r, v in zip(readers, value, strict=True))
    if dataclasses.is_dataclass(origin or kind):
        # A generic dataclass given its type, `Budget[OrganizationRef]`: its fields of a type
        # variable read as that type.
        made = origin or kind
        given = dict(zip(getattr(made, "__parameters__", ()), typing.get_args(kind), strict=False))
        hints = {name: given.get(hint, hint) for name, hint in typing.get_type_hints(made).items()}
        fields = [(f.name, _decoder(hints[f.name])) for f in dataclasses.fields(made)]
        return lambda value: made(**{name: read(value[name]) for name, read in fields})
    if kind is Decimal:
        return Decimal
    if kind is datetime:
        return datetime.fromisoformat
    if kind is date:
        return date.fromisoformat
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind
    return _same


# The figures last read by this process, by kind and database: (their key, the figures). They
# are immutable (frozen dataclasses and tuples), so requests share them.
_LAST: dict[tuple[str, str], tuple[str, Any]] = {}


def kept(
    kind: str,
    build: Callable[[], T],
    cls: type[T],
    key: Fingerprint | None = None,
    *,
    hold: bool = False,
) -> tuple[T, Fingerprint]:
    """The figures of `kind` for the records as they are now: stored ones, or `build()`
    stored (see the module); and the key they are kept under, which a second call of the same
    request passes as `key` (the records are not read again for it). `hold`: the process also
    holds the figures read last, used again while the key is the same (for the few kinds
    every page reads: not read from disk and decoded at each request)."""
    found = key or fingerprint(current_app.config, code_digest())
    if hold:
        last = _LAST.get((kind, found.database))
        if last is not None and last[0] == found.key:
            return last[1], found

    def built(_missing: tuple[str, ...]) -> dict[str, Export]:
        content = json.dumps(to_plain(build()), ensure_ascii=False, separators=(",", ":"))
        return {kind: Export(content.encode(), utcnow(), [], [])}

    cached = cached_exports(current_app.config, (kind,), built, key=found)
    value = from_plain(cls, json.loads(cached.exports[kind].content))
    if hold:
        _LAST[(kind, found.database)] = (found.key, value)
    return value, found
