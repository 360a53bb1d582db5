"""No dead link on the whole demo set: for every role, each page it reaches by its links (one
page a route, as the accessibility crawls find them) links only to pages that role may open.
A link that answers 401, 403 or 404 to the person it is shown to is a page promising what it
will not give (a participating organization's staff sent to a proposal page they may not
see, the administrative agent sent to a page of the applicants). Never 5xx either."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.a11y_checks import CRAWLERS, NOT_PAGES, route_of
from tests.browser_support import DEMO_PASSWORD, demo_history_app
from tests.helpers import internal_links, login

MAX_ROUTES = 120
# Of the links from one route of pages to another, this many are opened (their ids differ:
# one shown may be refused where another is not).
PER_PAIR = 2


@pytest.fixture(scope="module")
def demo_app(demo_history_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The application on the whole demo set, as `flask fund seed --demo` makes it."""
    return demo_history_app(demo_history_template, tmp_path_factory.mktemp("links-demo"))


@pytest.mark.parametrize("role", sorted(CRAWLERS))
def test_every_link_a_role_is_shown_opens(demo_app: Flask, role: str):
    client = demo_app.test_client()
    if CRAWLERS[role]:
        assert login(client, CRAWLERS[role], DEMO_PASSWORD).status_code == 302
    expanded: set[str] = set()
    opened: dict[tuple[str, str], int] = {}
    queue: list[tuple[str, str]] = [("/", "start")]
    fetched: dict[str, int] = {}
    dead: list[str] = []
    while queue:
        path, found_on = queue.pop(0)
        if path in fetched:
            continue
        response = client.get(path)
        status = fetched[path] = response.status_code
        body = response.get_data()
        if status in (401, 403, 404) or status >= 500:
            dead.append(f"{path} answered {status}, linked from {found_on}")
            continue
        route = route_of(urlsplit(path).path)
        if (
            status != 200
            or response.mimetype != "text/html"
            or route in expanded
            or len(expanded) >= MAX_ROUTES
        ):
            continue
        expanded.add(route)
        for link in sorted(internal_links(body.decode())):
            target = urlsplit(link).path
            if NOT_PAGES.search(target) and "/attachments/" not in target:
                continue
            pair = (route, route_of(target))
            if opened.get(pair, 0) >= PER_PAIR:
                continue
            opened[pair] = opened.get(pair, 0) + 1
            queue.append((link, path))
    assert len(expanded) >= 5, f"{role} reached only {sorted(expanded)}"
    assert not dead, f"{role}: {len(dead)} dead links\n" + "\n".join(dead)
