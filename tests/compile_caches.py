"""Work the test session does once instead of once per test.

Every test builds its own application on its own database, so each test would otherwise
compile the same 100 URL rules (werkzeug turns each into Python code) and the same SQL
statements (SQLAlchemy keeps compiled statements per engine, and every test has a new
engine). Both results depend only on their input, never on the application or database
they were made for, so the session keeps one copy:

- a URL rule's builder function is generated from the rule's text, its converters' names
  and its defaults' names; it takes the rule it belongs to as an argument;
- a compiled statement is keyed by SQLAlchemy on the dialect object of its engine; here on
  the dialect's class and server version instead, so engines of the same kind share them
  (the engines' caches, for queries, and the mappers' own, for the INSERT, UPDATE and
  DELETE statements of a flush).

`install()` applies both to the test configuration; nothing in the application changes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Mapper
from sqlalchemy.util import LRUCache
from werkzeug.routing.rules import Rule

from config import TestConfig

_BUILDERS: dict[tuple[Any, ...], Any] = {}


def _builder_once(self: Rule, append_unknown: bool = True) -> Any:
    defaults = self.defaults or {}
    dynamic = {data for is_dynamic, data in self._trace if is_dynamic}
    if dynamic & set(defaults):  # a default's value is folded into the code: not shared
        return _compile_builder(self, append_unknown)
    key = (self.rule, tuple(self._trace), tuple(defaults), append_unknown)
    if key not in _BUILDERS:
        _BUILDERS[key] = _compile_builder(self, append_unknown)
    return _BUILDERS[key]


_compile_builder = Rule._compile_builder


class SharedCompiledCache:
    """SQLAlchemy's compiled-statement cache, shared by the engines of one dialect and server
    version (the `compiled_cache` execution option of every test engine)."""

    def __init__(self, size: int = 5000) -> None:
        self._entries: LRUCache = LRUCache(size)

    @staticmethod
    def _key(key: tuple[Any, ...]) -> tuple[Any, ...]:
        dialect = key[0]
        return (type(dialect), dialect.server_version_info, *key[1:])

    def get(self, key: tuple[Any, ...], default: Any = None) -> Any:
        return self._entries.get(self._key(key), default)

    def __setitem__(self, key: tuple[Any, ...], value: Any) -> None:
        self._entries[self._key(key)] = value

    def __len__(self) -> int:
        return len(self._entries)


@Mapper.memoized_attribute
def _compiled_cache(self: Mapper) -> SharedCompiledCache:
    return SharedCompiledCache(500)


def install() -> None:
    Rule._compile_builder = _builder_once  # type: ignore[method-assign]
    Mapper._compiled_cache = _compiled_cache  # type: ignore[assignment]
    options = dict(TestConfig.SQLALCHEMY_ENGINE_OPTIONS)
    options["execution_options"] = {"compiled_cache": SharedCompiledCache()}
    TestConfig.SQLALCHEMY_ENGINE_OPTIONS = options
