"""The navigation bar: each role's links gathered in a few groups (disclosure menus that work
without JavaScript), and the Menu control that folds them on a phone."""

from __future__ import annotations

import re

import pytest

from fund.templating import NAVIGATION, navigation_bar, navigation_for
from tests.helpers import user

ROLES = ("applicant", "secretariat", "committee", "administrative_agent", "admin")


def _bar(app, create_user, role: str):
    person = create_user(roles=(role,))
    with app.app_context():
        signed_in = user(person)
        return navigation_bar(signed_in), navigation_for(signed_in)


@pytest.mark.parametrize("role", ROLES)
def test_every_link_of_a_role_is_on_its_bar_once(app, create_user, role):
    bar, links = _bar(app, create_user, role)
    on_bar = [item for entry in bar for item in entry.items]
    assert on_bar == links
    # A group is a menu only when it holds two links or more; one link stands on its own.
    for entry in bar:
        if not entry.is_group:
            assert entry.label == entry.items[0][1]


def test_the_secretariat_bar_has_a_few_places_for_its_many_links(app, create_user):
    bar, links = _bar(app, create_user, "secretariat")
    assert len(links) >= 17
    assert len(bar) <= 9
    labels = [entry.label for entry in bar]
    assert labels[0] == "Home" and labels[-1] == "Notifications"
    assert {"Proposals", "Committee", "Programmes", "Results", "About the fund"} <= set(labels)


def test_the_bar_renders_groups_as_details_and_marks_the_current_page(app, client, login_as):
    login_as("secretariat")
    html = client.get("/screening/").get_data(as_text=True)
    start = html.index('<nav class="site-nav"')
    nav = html[start : html.index("</nav>", start)]
    group = re.search(r'<li class="nav-group current">\s*<details>\s*<summary>Proposals', nav)
    assert group, nav
    assert '<a href="/screening/" aria-current="page">Screening</a>' in nav
    # The Menu control without JavaScript: a checkbox named by its label.
    assert '<input type="checkbox" id="menu-toggle" class="menu-toggle">' in nav
    assert '<label for="menu-toggle" class="menu-button">' in nav and "Menu</label>" in nav


def test_the_public_sees_only_public_groups(client):
    html = client.get("/").get_data(as_text=True)
    start = html.index('<nav class="site-nav"')
    nav = html[start : html.index("</nav>", start)]
    for hidden in ("/screening/", "/finance/", "/audit/", "/admin/users"):
        assert f'href="{hidden}"' not in nav
    assert "<summary>About the fund" in nav and "<summary>Results" in nav


def test_every_navigation_entry_names_a_group_or_none():
    groups = [group for *_, group in NAVIGATION if group is not None]
    assert groups, "the navigation has groups"
    # A group's links are listed together, so the bar keeps the table's order.
    seen: list[str] = []
    for group in groups:
        if not seen or seen[-1] != group:
            assert group not in seen, f"{group} is split in the table"
            seen.append(group)


def test_admins_find_the_emails_not_delivered_under_administration(app, create_user):
    bar, _ = _bar(app, create_user, "admin")
    administration = next(entry for entry in bar if entry.label == "Administration")
    assert ("core.failed_emails_page", "Emails not delivered") in administration.items


def test_each_link_is_shown_to_the_roles_its_page_admits(app):
    """The bar shows a link to exactly the roles its route declares (a page open to every
    signed-in user may be linked for some roles only): one group of roles for both
    (`fund.accounts.models`), so no role sees a link it may not open, or misses one."""
    from fund.access import access_of
    from fund.templating import SIGNED_IN

    for endpoint, label, roles, _group in NAVIGATION:
        if not roles or roles == SIGNED_IN:
            continue
        access = access_of(app, endpoint)
        assert access is not None and not access.public, (endpoint, access)
        assert access.roles in (frozenset(), roles), (endpoint, label, access)
