"""A private, throw-away PostgreSQL server for the database tests.

``postgres_server()`` runs Debian's own binaries (``initdb``, ``pg_ctl``; found on PATH, in /usr/local/bin or
in /usr/lib/postgresql/*/bin): it makes a fresh cluster in a new temporary folder with
``initdb -D <dir> -U deepmine --auth=trust``, starts it with
``pg_ctl -D <dir> -o "-p <free port> -k <dir> -c listen_addresses=127.0.0.1" -w start`` (TCP on 127.0.0.1
only, its Unix socket in the same private folder, so nothing clashes with a system server), yields the
SQLAlchemy URL ``postgresql+psycopg://deepmine@127.0.0.1:<port>/postgres`` and in a ``finally`` stops it
with ``pg_ctl stop -m fast`` and deletes the folder.

PostgreSQL refuses to run as root. When the tests run as root (as in CI containers), the server commands
run through ``runuser -u <user> --`` as an unprivileged user: ``postgres`` when that account exists (Debian's
package creates it), else ``nobody``; the temporary folder (made directly under the system temp folder, whose
parents anyone may traverse, unlike pytest's 0700 tmp folders) is then chowned to that user. Nothing else
on the machine is touched: no account is created, no system cluster is used.

The tests are skipped, with the reason, only when the binaries are missing (install Debian's ``postgresql``
package) or the psycopg driver is not installed.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

DRIVER_HINT = "pip install -c constraints.txt 'psycopg[binary]'"


def find_binaries() -> tuple[str, str] | None:
    """``(initdb, pg_ctl)`` paths, or None when PostgreSQL's server binaries are not installed."""
    folders = [None, "/usr/local/bin", *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for folder in folders:
        initdb = shutil.which("initdb", path=folder)
        pg_ctl = shutil.which("pg_ctl", path=folder)
        if initdb and pg_ctl:
            return initdb, pg_ctl
    return None


def binaries_or_skip() -> tuple[str, str]:
    found = find_binaries()
    if found is None:
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed; "
                    "apt-get install postgresql to run the PostgreSQL tests")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip(f"the PostgreSQL driver psycopg is not installed ({DRIVER_HINT})")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_user() -> str | None:
    """The account the server runs as when we are root (PostgreSQL refuses root), else None."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.skip("running as root and neither a 'postgres' nor a 'nobody' account exists to run PostgreSQL")


def _run(command: list[str], user: str | None, timeout: float = 60) -> None:
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, cwd="/")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}")


@contextmanager
def postgres_server():
    """Start a private PostgreSQL server; yield its SQLAlchemy URL; stop it and remove its files."""
    initdb, pg_ctl = binaries_or_skip()
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="deepmine-pg-"))
    data = root / "data"
    started = False
    try:
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        # no fsync: the cluster is thrown away, and initdb is several times faster without it
        _run([initdb, "-D", str(data), "-U", "deepmine", "--auth=trust", "--no-sync", "-E", "UTF8",
              "--locale=C"], user)
        port = _free_port()
        options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off")
        started = True
        try:
            _run([pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w", "-t", "60",
                  "start"], user, timeout=90)
        except RuntimeError as exc:
            log = (root / "server.log").read_text(errors="replace")[-3000:] if (root / "server.log").exists() else ""
            raise RuntimeError(f"{exc}\nserver log:\n{log}") from None
        yield f"postgresql+psycopg://deepmine@127.0.0.1:{port}/postgres"
    finally:
        if started:
            try:
                _run([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], user)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(root, ignore_errors=True)
