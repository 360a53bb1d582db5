"""Two nodes over one database, each with an instance folder of its own: what one changes, the
other serves at once (the open-data files each keeps are rebuilt from the database), and a
sign-in made on one holds on the other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from fund import create_app
from fund.extensions import db
from fund.proposals.models import Proposal
from tests.helpers import login
from tests.test_open_data import activities, fund_programme, iati_id
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
    backend, nodes, portfolio, create_user, make_proposal
):
    node_a, node_b = nodes
    assert Path(node_a.instance_path) != Path(node_b.instance_path)
    assert _disbursed(node_a, portfolio.national) == ["321000.00"]
    assert _disbursed(node_b, portfolio.national) == ["321000.00"]
    # Each node keeps the file in its own folder.
    for node in nodes:
        assert list((Path(node.instance_path) / "open-data-cache").glob("iati-*"))

    author = create_user(roles=("applicant",), organization_acronym="ILO")
    added = make_proposal(author, status="approved", title="Funded on node B")
    with node_b.app_context():  # the change, made on node B
        db.session.get(Proposal, added).status = "funded"
        fund_programme(added, "1070000.00", {"ILO": "642000.00", "IOM": "428000.00"})
        db.session.commit()

    # Node A never heard of it, and serves it from its next request on.
    for node in nodes:
        found = activities(node.test_client().get("/open-data/iati.xml").data)
        assert found[iati_id(added)].findtext("title/narrative") == "Funded on node B"


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
