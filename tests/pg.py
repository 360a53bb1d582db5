"""A throwaway PostgreSQL server for the test session, started from the local binaries."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
from pathlib import Path

from sqlalchemy import Engine, create_engine


def find_bindir() -> Path | None:
    """The directory holding pg_ctl, initdb and postgres (Debian keeps them out of PATH)."""
    if override := os.environ.get("PG_BINDIR"):
        return Path(override)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for found in (shutil.which("pg_config"),):
        if found:
            out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
            candidates.insert(0, out.stdout.strip())
    for candidate in candidates:
        path = Path(candidate)
        if (path / "initdb").exists() and (path / "postgres").exists():
            return path
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """initdb + pg_ctl in a temporary directory; as root, runs as the `postgres` user."""

    def __init__(self, bindir: Path, base: Path) -> None:
        self.bindir = bindir
        self.base = base
        self.data = base / "data"
        self.port = _free_port()
        self.user = "fund"
        self._runas: list[str] = []
        self._admin: Engine | None = None
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(base, account.pw_uid, account.pw_gid)
            self._runas = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._runas, *args], check=True, capture_output=True, cwd=self.base)

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            self.user,
            "-E",
            "UTF8",
            "--no-locale",
        )
        # Throwaway: no fsync (-F), and the least WAL (no replica, no full pages), which makes
        # copying a template database (one per test) cheaper. Random reads cost what they cost
        # on an SSD or in memory (random_page_cost, as the README advises for production).
        options = (
            f"-p {self.port} -k {self.base} -h 127.0.0.1 -F -c max_connections=60"
            " -c wal_level=minimal -c max_wal_senders=0 -c full_page_writes=off"
            " -c random_page_cost=1.1"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.base / "server.log"),
            "-w",
            "start",
        )

    def admin(self) -> Engine:
        """An engine in autocommit on the server's own database, for creating and dropping the
        tests' databases; one for the session (a new engine and connection each time cost
        more than the statement)."""
        if self._admin is None:
            self._admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        return self._admin

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.dispose()
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"
