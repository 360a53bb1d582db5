"""Two nodes over one database, each with an instance folder of its own: what one changes, the
other serves at once (the open-data files each keeps are rebuilt from the database), and a
sign-in made on one holds on the other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from fund import create_app
from fund.accounts.models import User
from fund.extensions import db
from fund.finance import operations
from fund.finance.models import Allocation
from tests.helpers import login
from tests.test_open_data import activities, iati_id, org
from tests.test_open_data import portfolio as portfolio
from tests.test_open_data import prepared as prepared


def _node(app: Flask, folder: Path) -> Flask:
    return create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "INSTANCE_PATH": str(folder),
            "OPEN_DATA_CACHE_DIR": "",  # the instance folder's
        },
    )


@pytest.fixture
def nodes(app, tmp_path) -> Iterator[tuple[Flask, Flask]]:
    made = (_node(app, tmp_path / "node-a"), _node(app, tmp_path / "node-b"))
    yield made
    for node in made:
        with node.app_context():
            db.engine.dispose()


def _disbursed(node: Flask, proposal_id: int) -> list[str]:
    found = activities(node.test_client().get("/open-data/iati.xml").data)[iati_id(proposal_id)]
    return [v.text for v in found.xpath("transaction[transaction-type/@code='3']/value")]


def test_a_change_made_on_one_node_is_served_by_the_other(
    backend, nodes, portfolio, create_user, tmp_path
):
    node_a, node_b = nodes
    assert Path(node_a.instance_path) != Path(node_b.instance_path)
    assert _disbursed(node_a, portfolio.national) == ["321000.00"]
    assert _disbursed(node_b, portfolio.national) == ["321000.00"]
    # Each node keeps the file in its own folder.
    for node in nodes:
        assert list((Path(node.instance_path) / "open-data-cache").glob("iati-*"))

    secretariat = create_user(roles=("secretariat",), organization_acronym="IOM")
    with node_b.app_context():  # the change, made on node B
        allocation = db.session.scalar(
            select(Allocation).where(Allocation.proposal_id == portfolio.national)
        )
        operations.record_disbursement(
            db.session.get(User, secretariat.id),
            allocation,
            org("IOM").id,
            date(2026, 3, 1),
            Decimal("100000.00"),
            "T-2",
        )
        db.session.commit()

    # Node A never heard of it, and serves it from its next request on.
    assert _disbursed(node_a, portfolio.national) == ["321000.00", "100000.00"]
    assert _disbursed(node_b, portfolio.national) == ["321000.00", "100000.00"]


def test_a_sign_in_on_one_node_holds_on_the_other(nodes, create_user):
    node_a, node_b = nodes
    person = create_user(roles=("secretariat",), organization_acronym=None)
    on_a = node_a.test_client()
    login(on_a, person.email)
    assert on_a.get("/audit/").status_code == 200
    on_b = node_b.test_client()
    assert on_b.get("/audit/").status_code != 200  # not signed in there yet
    on_b.set_cookie("session", on_a.get_cookie("session").value)
    assert on_b.get("/audit/").status_code == 200
