"""The WSGI entry point (`gunicorn wsgi:app`)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_entry_point_takes_what_start_up_made_out_of_the_collectors_generations(tmp_path):
    """A worker's full garbage collections do not walk the objects made at start-up."""
    probe = "import gc, wsgi; print(gc.get_freeze_count())"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'fund.sqlite3'}"}
    env["FUND_INSTANCE_PATH"] = str(tmp_path / "instance")
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert int(done.stdout.strip().splitlines()[-1]) > 10_000
