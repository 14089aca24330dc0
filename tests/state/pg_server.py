"""A throwaway PostgreSQL server on 127.0.0.1 for the tests of the PostgreSQL state store.

Standard library only, so that ``.ci/run`` can use it before the project's venv exists::

    python3 tests/state/pg_server.py start DIR   # prints the DSN; the server lives in DIR
    python3 tests/state/pg_server.py stop DIR    # stops it and removes DIR

and the tests' session fixture (``tests/state/conftest.py``) calls :func:`shared` when
``NOTECAST_TEST_POSTGRES_DSN`` is not set, so that ``make test`` alone runs them too.

The server is Debian's PostgreSQL (``initdb``/``pg_ctl`` on the PATH, else the newest
``/usr/lib/postgresql/N/bin``): a fresh data folder, a free port on 127.0.0.1 only, a
password (scram), no fsync (nothing here needs to survive a crash). PostgreSQL refuses to
run as root: as root it runs as the ``postgres`` user (``runuser``), which ``--create-user``
makes when it is missing.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ENV = "NOTECAST_TEST_POSTGRES_DSN"
USER = "notecast"
RUN_AS = "postgres"  # the system user the server runs as when we are root
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
}


class Unavailable(RuntimeError):
    """PostgreSQL's server programs are not installed here (or cannot be run)."""


@dataclass(frozen=True)
class Server:
    dsn: str
    base: Path  # holds data/, the log, the socket and the password file
    bin_dir: Path
    run_as: str | None  # the user it runs as (None: this process's user)


def bin_dir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: the PATH's, else Debian's newest."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as_user(create: bool) -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(RUN_AS)
    except KeyError:
        if not create:
            raise Unavailable(f"running as root and there is no {RUN_AS!r} user to run PostgreSQL as "
                              f"(PostgreSQL refuses root): .ci/run creates it") from None
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", RUN_AS],
                       check=True, capture_output=True)
    return RUN_AS


def _as(user: str | None, command: list[str]) -> list[str]:
    return command if user is None else ["runuser", "-u", user, "--", *command]


def start(base: Path, *, create_user: bool = False, tries: int = 3) -> Server:
    """Make a cluster in ``base`` (which must be empty or absent) and start it."""
    binaries = bin_dir()
    if binaries is None:
        raise Unavailable("PostgreSQL's server (initdb, pg_ctl) is not installed: "
                          "apt-get install postgresql (.ci/run does)")
    user = _run_as_user(create_user)
    base.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    pwfile = base / "pw"
    pwfile.write_text(password + "\n")
    if user is not None:
        entry = pwd.getpwnam(user)
        for path in (base, pwfile):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    os.chmod(base, 0o700)
    data, log = base / "data", base / "server.log"
    done = subprocess.run(_as(user, [str(binaries / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
                                     "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8",
                                     "--locale=C", "--no-sync", "--no-instructions"]),
                          capture_output=True, text=True)
    pwfile.unlink()
    if done.returncode != 0:
        raise Unavailable(f"initdb failed: {(done.stderr or done.stdout).strip()[-600:]}")
    failure = ""
    for _ in range(tries):
        port = _free_port()
        conf = {**SETTINGS, "port": str(port), "unix_socket_directories": f"'{base}'"}
        with (data / "postgresql.auto.conf").open("w") as handle:
            handle.writelines(f"{key} = {value}\n" for key, value in conf.items())
        started = subprocess.run(_as(user, [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                                            "-t", "60", "start"]), capture_output=True, text=True)
        if started.returncode == 0:
            dsn = f"postgresql://{USER}:{password}@127.0.0.1:{port}/postgres"
            return Server(dsn=dsn, base=base, bin_dir=binaries, run_as=user)
        failure = log.read_text(errors="replace")[-600:] if log.exists() else started.stderr
        if "could not bind" not in failure and "in use" not in failure:
            break  # (another cause than a port taken meanwhile: trying again will not help)
    raise Unavailable(f"PostgreSQL did not start: {failure.strip()}")


def stop(base: Path) -> None:
    """Stop the server in ``base`` (if it runs) and remove the folder."""
    data = base / "data"
    binaries = bin_dir()
    if (data / "postmaster.pid").exists() and binaries is not None:
        owner = pwd.getpwuid(data.stat().st_uid).pw_name if os.geteuid() == 0 else None
        subprocess.run(_as(owner, [str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True, check=False)
    shutil.rmtree(base, ignore_errors=True)


_shared: Server | Unavailable | None = None


def shared() -> str:
    """The DSN of this process's one throwaway server, started on first use and stopped
    when the process exits; raises :class:`Unavailable` (every time) if it cannot be."""
    global _shared
    if _shared is None:
        base = Path(tempfile.mkdtemp(prefix="notecast-pg-"))
        try:
            _shared = start(base)
        except Unavailable as exc:
            shutil.rmtree(base, ignore_errors=True)
            _shared = exc
        except BaseException:
            stop(base)
            raise
        else:
            atexit.register(stop, base)
    if isinstance(_shared, Unavailable):
        raise _shared
    return _shared.dsn


def with_search_path(dsn: str, schema: str) -> str:
    """The DSN with ``search_path`` set to ``schema`` (a server setting asyncpg passes on)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
        raise ValueError(f"not a plain schema name: {schema!r}")
    return f"{dsn}{'&' if '?' in dsn else '?'}search_path={schema}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--create-user", action="store_true",
                        help=f"as root, create the {RUN_AS!r} user when missing")
    args = parser.parse_args(argv)
    if args.action == "stop":
        stop(args.dir)
        return 0
    try:
        server = start(args.dir, create_user=args.create_user)
    except Unavailable as exc:
        with contextlib.suppress(OSError):
            stop(args.dir)
        print(f"pg_server: {exc}", file=sys.stderr)
        return 3
    print(server.dsn)
    return 0


if __name__ == "__main__":
    sys.exit(main())
