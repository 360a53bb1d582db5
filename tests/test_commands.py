"""The two commands. `make run` installs only what running needs, gives the server the address
links in emails point at, and leaves the secret key to the application; `make test` installs
the test tools too."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        env=env if env is not None else os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def installs(output: str) -> list[str]:
    return [line for line in output.splitlines() if "pip install" in line]


def test_make_run_installs_the_application_without_the_test_tools(tmp_path):
    planned = make("-n", "run", f"VENV={tmp_path / 'venv'}")
    assert installs(planned) == [f"{tmp_path / 'venv'}/bin/python -m pip install --quiet -e ."]
    assert "[test]" not in planned
    assert "flask run --host 127.0.0.1 --port 5000" in planned


def test_make_test_installs_the_test_tools(tmp_path):
    planned = make("-n", "test", f"VENV={tmp_path / 'venv'}")
    # One pip run installs both sets, and marks both installed: `make run` then installs nothing.
    assert installs(planned) == [
        f"{tmp_path / 'venv'}/bin/python -m pip install --quiet -e '.[test]'",
    ]
    venv = tmp_path / "venv"
    assert f"touch {venv}/.installed-run {venv}/.installed-test" in planned.splitlines()
    assert "pytest" in planned.splitlines()[-1]


@pytest.fixture
def installed(tmp_path) -> tuple[Path, Path]:
    """A virtual environment whose flask only records how it was called, and in which
    environment: the commands run without installing or serving anything."""
    venv, calls = tmp_path / "venv", tmp_path / "calls"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("#!/bin/sh\n")
    (venv / "bin" / "flask").write_text(
        "#!/bin/sh\n"
        'echo "$* | FUND_BASE_URL=${FUND_BASE_URL-(unset)} SECRET_KEY=${SECRET_KEY-(unset)}"'
        f' >> "{calls}"\n'
    )
    for name in ("python", "flask"):
        (venv / "bin" / name).chmod(0o755)
    for stamp in (".installed-run", ".installed-test"):
        (venv / stamp).touch()  # newer than pyproject.toml: nothing to install
    return venv, calls


def clean_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FUND_BASE_URL", "SECRET_KEY")}
    env.pop("MAKEFLAGS", None)
    return env | extra


def test_make_run_tells_the_server_its_address_and_sets_no_secret_key(installed):
    venv, calls = installed
    output = make("run", f"VENV={venv}", "PORT=8080", "HOST=0.0.0.0", env=clean_environment())
    assert "Serving on http://0.0.0.0:8080/" in output
    assert calls.read_text().splitlines() == [
        "db upgrade | FUND_BASE_URL=http://0.0.0.0:8080 SECRET_KEY=(unset)",
        "fund seed --demo | FUND_BASE_URL=http://0.0.0.0:8080 SECRET_KEY=(unset)",
        "run --host 0.0.0.0 --port 8080 | FUND_BASE_URL=http://0.0.0.0:8080 SECRET_KEY=(unset)",
    ]


def test_make_run_keeps_a_base_url_already_set(installed):
    venv, calls = installed
    env = clean_environment(FUND_BASE_URL="https://fund.example.org")
    make("run", f"VENV={venv}", env=env)
    assert calls.read_text().splitlines()[-1] == (
        "run --host 127.0.0.1 --port 5000 | FUND_BASE_URL=https://fund.example.org "
        "SECRET_KEY=(unset)"
    )


# `flask fund seed --demo`, which `make run` runs before serving -----------------------------


def test_demo_seed_sends_no_email_and_prints_the_accounts_last(
    app, runner, backend, caplog, monkeypatch
):
    from sqlalchemy import func, select

    from fund.extensions import db
    from fund.notifications.models import Notification, OutboxMessage

    # Alembic's logging setup (the test database is migrated) disables existing loggers.
    monkeypatch.setattr(logging.getLogger("fund.mail"), "disabled", False)
    caplog.set_level("DEBUG", logger="fund.mail")
    result = runner.invoke(args=["fund", "seed", "--demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        written = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        sent = db.session.scalar(select(func.count(OutboxMessage.sent_at)))
        notifications = db.session.scalar(select(func.count()).select_from(Notification))
    # The workflow wrote its notifications and emails; none was sent, logged or printed.
    assert notifications > 0
    assert written > 0
    assert sent == 0
    assert [r for r in caplog.records if r.name == "fund.mail"] == []
    assert "Dear " not in result.output
    assert f"{written} kept in the outbox, not sent" in result.output
    # The accounts come last, as a table.
    lines = result.output.rstrip().splitlines()
    table = lines[lines.index("Demo accounts (password for all: migration-fund-demo):") + 1 :]
    assert table[0].split() == ["Email", "Role", "Organization"]
    assert set(table[1].replace(" ", "")) == {"-"}
    rows = [line.split(None, 2) for line in table[2:]]
    assert [row[0] for row in rows] == [
        "applicant@demo.fund",
        "state.applicant@demo.fund",
        "unicef.applicant@demo.fund",
        "iom.applicant@demo.fund",
        "secretariat@demo.fund",
        "agent@demo.fund",
        "committee.iom@demo.fund",
        "committee.unhcr@demo.fund",
        "committee.unicef@demo.fund",
        "admin@demo.fund",
    ]
    assert rows[1] == ["state.applicant@demo.fund", "applicant", "Government of Chile"]
    # Every column starts at the same place on every line.
    starts = {line.index(row[1], len(row[0])) for line, row in zip(table[2:], rows, strict=True)}
    assert starts == {table[0].index("Role")}


def test_demo_seed_a_second_time_keeps_nothing_new_and_still_prints_the_accounts(
    app, runner, prepared_demo
):
    """The database already seeded with the demo set (prepared_demo)."""
    from datetime import timedelta

    from sqlalchemy import select

    from fund.extensions import db, utcnow
    from fund.notifications.models import Notification

    with app.app_context():  # told since the first load, long ago, and not read
        note = db.session.scalars(select(Notification).order_by(Notification.id)).first()
        note.read_at, note.created_at = None, utcnow() - timedelta(days=100)
        db.session.commit()
        note_id = note.id
    again = runner.invoke(args=["fund", "seed", "--demo"])
    assert again.exit_code == 0, again.output
    assert "kept in the outbox" not in again.output
    with app.app_context():
        assert db.session.get(Notification, note_id).read_at is None
    assert again.output.rstrip().splitlines()[-1].split() == ["admin@demo.fund", "admin", "FMU"]


def test_messages_kept_in_the_outbox_are_sent_by_send_pending(
    app, runner, caplog, monkeypatch, prepared_demo
):
    """After `flask fund seed --demo` (prepared_demo)."""
    from sqlalchemy import func, select

    from fund.extensions import db
    from fund.notifications.models import OutboxMessage

    monkeypatch.setattr(logging.getLogger("fund.mail"), "disabled", False)
    caplog.set_level("INFO", logger="fund.mail")
    result = runner.invoke(args=["fund", "mail", "send-pending"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        waiting = db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
    assert waiting == 0
    assert any(r.name == "fund.mail" for r in caplog.records)
