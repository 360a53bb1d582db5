"""Work the test session does once instead of once per test.

Every test builds its own application on its own database, so each test would otherwise
compile the same 100 URL rules (werkzeug turns each into Python code), the same SQL
statements (SQLAlchemy keeps compiled statements per engine, and every test has a new
engine) and the same Jinja templates (each application has its own Jinja environments, the
pages' and the emails', which compile every template they render). These results depend only
on their input, never on the application or database they were made for, so the session
keeps one copy:

- a URL rule's builder function is generated from the rule's text, its converters' names
  and its defaults' names; it takes the rule it belongs to as an argument;
- a URL rule's parts (the regular expressions the router matches), its converters and its
  trace depend only on the rule's text and the map's converter classes; the converters
  (whose conversions read only their own arguments) are shared by the rules of that text;
- a compiled statement is keyed by SQLAlchemy on the dialect object of its engine; here on
  the dialect's class and server version instead, so engines of the same kind share them
  (the engines' caches, for queries, and the mappers' own, for the INSERT, UPDATE and
  DELETE statements of a flush);
- a template's code object is keyed on its source, name and file and on every setting of
  its environment that the compiler reads (the syntax, autoescaping for that name, the
  extensions, finalize, and each filter and test with the way it is called); the code is
  run in the environment that loads it, as a bytecode cache's would be.

`install()` applies them to the test configuration; nothing in the application changes.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment
from jinja2.utils import _PassArg
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

_parse_rule = Rule._parse_rule
_PARSED: dict[tuple[Any, ...], tuple[list[Any], list[Any], dict[str, Any]]] = {}


def _parse_rule_once(self: Rule, rule: str) -> Any:
    converters = self.map.converters
    key = (rule, tuple(sorted(converters.items())))
    if key not in _PARSED:
        trace_from, known = len(self._trace), set(self._converters)
        parts = list(_parse_rule(self, rule))
        added = {k: v for k, v in self._converters.items() if k not in known}
        _PARSED[key] = (parts, self._trace[trace_from:], added)
        return parts
    parts, trace, added = _PARSED[key]
    self._trace.extend(trace)
    self._converters.update(added)
    self.arguments.update(added)
    return parts


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


_TEMPLATES: dict[tuple[Any, ...], Any] = {}


def _functions(functions: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        (
            name,
            getattr(f, "__module__", None),
            getattr(f, "__qualname__", None),
            _PassArg.from_obj(f),
        )
        for name, f in sorted(functions.items())
    )


def _environment_key(env: Environment, name: str | None) -> tuple[Any, ...]:
    autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
    finalize = env.finalize
    return (
        type(env),
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        tuple(sorted(env.extensions)),
        env.optimized,
        env.is_async,
        bool(autoescape),
        None if finalize is None else (_functions({"": finalize})),
        env.code_generator_class,
        _functions(env.filters),
        _functions(env.tests),
    )


def _compile_once(
    self: Environment,
    source: Any,
    name: str | None = None,
    filename: str | None = None,
    raw: bool = False,
    defer_init: bool = False,
) -> Any:
    if raw or not isinstance(source, str):  # a parsed tree or Python source: not shared
        return _compile_template(self, source, name, filename, raw, defer_init)
    key = (source, name, filename, defer_init, _environment_key(self, name))
    if key not in _TEMPLATES:
        _TEMPLATES[key] = _compile_template(self, source, name, filename, raw, defer_init)
    return _TEMPLATES[key]


_compile_template = Environment.compile


def install() -> None:
    Environment.compile = _compile_once  # type: ignore[method-assign]
    Rule._compile_builder = _builder_once  # type: ignore[method-assign]
    Rule._parse_rule = _parse_rule_once  # type: ignore[method-assign]
    Mapper._compiled_cache = _compiled_cache  # type: ignore[assignment]
    options = dict(TestConfig.SQLALCHEMY_ENGINE_OPTIONS)
    options["execution_options"] = {"compiled_cache": SharedCompiledCache()}
    TestConfig.SQLALCHEMY_ENGINE_OPTIONS = options
