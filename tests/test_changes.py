"""The change counters the database moves (`fund.changes`): every watched table moves its
counter, in the transaction of the change, once a transaction on PostgreSQL; a draft's
changes do not move the results counter; and the kept values see a change made behind the
application at the next request."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from fund.accounts.models import User
from fund.changes import LISTING, RESULTS, WATCHED, changes
from fund.extensions import db
from fund.finance import operations
from fund.finance.queries.balance import balance
from fund.proposals.models import Proposal
from tests.results_factories import add_framework


def _counts(app) -> dict[str, int]:
    with app.app_context():
        found = {name: changes(name) for name in WATCHED}
        db.session.rollback()
    assert all(value is not None for value in found.values())
    return {name: value[1] for name, value in found.items()}


def _run(app, *statements: str) -> None:
    with app.app_context():
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()


def _funded_with_framework(app, make_proposal, author, create_user, create_organization) -> int:
    """A funded programme with an outcome, an indicator, its targets and an actual."""
    treasurer = create_user(roles=("secretariat",), organization_acronym="IOM")
    donor = create_organization(name="Kingdom of Donors", acronym="KDN", kind="other")
    proposal_id = make_proposal(author, status="approved")
    with app.app_context():
        secretariat = db.session.get(User, treasurer.id)
        operations.record_contribution(
            secretariat,
            db.session.get(type(donor), donor.id),
            db.session.get(Proposal, proposal_id).created_at.date(),
            Decimal("9000000.00"),
            None,
        )
        proposal = db.session.get(Proposal, proposal_id)
        indicator = add_framework(proposal)
        indicator.actuals = []
        db.session.flush()
        operations.fund_proposal(secretariat, proposal)
        indicator_id = indicator.id
        db.session.commit()
    _run(
        app,
        "INSERT INTO indicator_actuals (indicator_id, year, value, recorded_at)"
        f" VALUES ({indicator_id}, 2027, 30, '2027-01-31 00:00:00')",
    )
    return proposal_id


def test_every_watched_table_moves_its_counter_and_only_its_own(
    app, backend, make_proposal, author, create_user, create_organization
):
    _funded_with_framework(app, make_proposal, author, create_user, create_organization)
    for name, tables in WATCHED.items():
        for table in tables:
            before = _counts(app)
            # Every row of the table rewritten as it is: a change the triggers see.
            column = {"objective_thematic_areas": "objective_number"}.get(table, "*")
            with app.app_context():
                first = db.session.execute(text(f"SELECT * FROM {table}")).mappings().first()
                db.session.rollback()
            assert first is not None, f"no row in {table}"
            column = next(iter(first.keys())) if column == "*" else column
            _run(app, f"UPDATE {table} SET {column} = {column}")
            after = _counts(app)
            assert after[name] > before[name], table
            assert {k: v for k, v in after.items() if k != name} == {
                k: v for k, v in before.items() if k != name
            }, table


def test_a_draft_does_not_move_the_results_counter_and_a_funded_programme_does(
    app, backend, make_proposal, author, create_user, create_organization
):
    programme = _funded_with_framework(app, make_proposal, author, create_user, create_organization)
    draft = make_proposal(author)
    before = _counts(app)
    _run(app, f"UPDATE proposals SET title = title || ' (draft)' WHERE id = {draft}")
    assert _counts(app) == before
    _run(app, f"UPDATE proposals SET title = title || ' (revised)' WHERE id = {programme}")
    assert _counts(app)[RESULTS] > before[RESULTS]


def test_a_rolled_back_change_leaves_the_counters_and_many_rows_move_them_once_on_postgresql(
    app, backend, make_proposal, author, create_user, create_organization
):
    _funded_with_framework(app, make_proposal, author, create_user, create_organization)
    before = _counts(app)
    with app.app_context():
        db.session.execute(text("UPDATE allocation_shares SET disbursed = disbursed"))
        db.session.rollback()
    assert _counts(app) == before
    _run(
        app,
        "UPDATE indicator_targets SET value = value",
        "UPDATE indicator_targets SET value = value",
        "UPDATE result_indicators SET unit = unit",
    )
    moved = _counts(app)[RESULTS] - before[RESULTS]
    with app.app_context():
        rows = db.session.scalar(
            text(
                "SELECT 2 * (SELECT count(*) FROM indicator_targets) + count(*)"
                " FROM result_indicators"
            )
        )
    # PostgreSQL: once for the transaction, at its commit; SQLite: once a row changed.
    assert moved == (1 if backend == "postgresql" else rows) and rows >= 3


def test_the_balance_sees_a_change_made_behind_the_application(
    app, backend, make_proposal, author, create_user, create_organization
):
    _funded_with_framework(app, make_proposal, author, create_user, create_organization)
    with app.app_context():
        first = balance().total.allocated
        assert balance().total.allocated == first  # kept: the same figures
    _run(app, "UPDATE allocation_sources SET amount = amount - 100")
    with app.app_context():
        assert balance().total.allocated == first - Decimal("100.00")


def test_a_value_made_after_a_write_of_its_own_transaction_is_not_kept(
    app, backend, make_proposal, author, create_user, create_organization
):
    """Made after a write, a value may hold it: on PostgreSQL the counter moves only at the
    commit, and a rollback takes the counter back on both engines, so a later change would
    find the value under its key."""
    _funded_with_framework(app, make_proposal, author, create_user, create_organization)
    with app.app_context():
        first = balance().total.allocated
    with app.app_context():
        db.session.execute(text("UPDATE allocation_sources SET amount = amount - 100"))
        assert balance().total.allocated == first - Decimal("100.00")  # its own write
        db.session.rollback()
    with app.app_context():
        assert balance().total.allocated == first
    _run(app, "UPDATE allocation_sources SET amount = amount - 7")
    with app.app_context():
        assert balance().total.allocated == first - Decimal("7.00")


def test_the_proposal_lists_totals_and_choices_follow_a_status_or_a_country(
    app, backend, make_proposal, author, create_user
):
    """The listing counter moves with a proposal's status, organization or countries, not
    with its text; the lists' kept totals and filter choices follow it."""
    from fund.proposals.queries import ProposalFilters, filter_choices, list_proposals

    reader = create_user(roles=("secretariat",), organization_acronym="IOM")
    draft = make_proposal(author)

    def seen() -> tuple[int, int, list]:
        with app.app_context():
            secretariat = db.session.get(User, reader.id)
            found = (
                list_proposals(secretariat, ProposalFilters(status="submitted")).count,
                list_proposals(secretariat, ProposalFilters()).count,
                [iso for iso, _ in filter_choices(secretariat)["countries"]],
            )
            db.session.rollback()
        return found

    submitted, every, countries = seen()
    assert seen() == (submitted, every, countries)  # kept: the same
    before = _counts(app)
    _run(app, f"UPDATE proposals SET title = title || ' (edited)' WHERE id = {draft}")
    assert _counts(app)[LISTING] == before[LISTING]
    _run(app, f"UPDATE proposals SET status = 'submitted' WHERE id = {draft}")
    assert _counts(app)[LISTING] > before[LISTING]
    assert seen()[:2] == (submitted + 1, every)
    new = "TV" if "TV" not in countries else "NR"
    _run(
        app, f"INSERT INTO proposal_countries (proposal_id, country_iso2) VALUES ({draft}, '{new}')"
    )
    assert new in seen()[2]
