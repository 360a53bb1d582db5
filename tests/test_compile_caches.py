"""What the test session shares between its applications (tests/compile_caches.py) changes
nothing an application does, and the session's garbage collector settings are in force."""

from __future__ import annotations

import gc

import pytest
from werkzeug.exceptions import NotFound

from fund import create_app
from fund.routing import MAX_ID
from tests import compile_caches


def _rules(app) -> dict[str, object]:
    return {rule.rule: rule for rule in app.url_map.iter_rules()}


def test_a_second_application_reuses_the_parsed_rules_and_routes_the_same(tmp_path):
    url = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    first = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    second = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    ones, twos = _rules(first), _rules(second)
    assert ones.keys() == twos.keys()
    with_ids = [r for r in ones if "<int:" in r]
    assert with_ids
    for text in with_ids:
        one, two = ones[text], twos[text]
        assert one is not two
        assert one._parts == two._parts and one._trace == two._trace
        assert one.arguments == two.arguments
        assert list(one._converters) == list(two._converters)
    # Any cached parse is the one the rule's text and converters give.
    assert any(key[0] in with_ids for key in compile_caches._PARSED)
    pages = [r for r in with_ids if "GET" in ones[r].methods and r.count("<") == 1]
    for app in (first, second):
        adapter = app.url_map.bind("localhost")
        for text in pages:
            rule = _rules(app)[text]
            (name,) = rule.arguments
            built = adapter.build(rule.endpoint, {name: 7})
            assert adapter.match(built, method="GET") == (rule.endpoint, {name: 7})
            for wrong in (0, MAX_ID + 1):
                with pytest.raises(NotFound):
                    adapter.match(built.replace("/7", f"/{wrong}"), method="GET")


def test_the_session_froze_its_shared_objects_and_collects_less_often():
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (10_000, 20, 10)
