"""Celery workers in their own processes, on the database and Redis of this one.

A worker thread (`celery.contrib.testing.worker`) cannot be killed like a real worker: these
start `celery … worker` as a subprocess, in its own process group, with the environment that
points it at this process's database (a test database must be PostgreSQL, committed to, as in a
`transaction=True` test), broker, SMTP server, media and sealing folders.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """The DATABASE_URL of a PostgreSQL connection's settings (the test database's, in a test)."""
    user = quote(str(settings_dict.get("USER") or ""))
    password = quote(str(settings_dict.get("PASSWORD") or ""))
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


class WorkerProcess:
    """`celery -A <app> worker` in a subprocess; its output goes to `log`."""

    def __init__(
        self,
        *,
        app: str,
        name: str,
        env: Mapping[str, str],
        log: Path,
        concurrency: int = 1,
        loglevel: str = "INFO",
        extra: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.log = log
        self._output: BinaryIO = log.open("ab")
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            "--pool",
            "prefork",
            "-c",
            str(concurrency),
            "-n",
            f"{name}@%h",
            "-l",
            loglevel,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            *extra,
        ]
        self.process = subprocess.Popen(  # noqa: S603 (fixed command)
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stopped with its pool, nothing else
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 40) -> str:
        """The end of the worker's output, for assertion messages."""
        self._output.flush()
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL to the whole worker (main process and pool), as a lost machine."""
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 15.0) -> None:
        """A warm shutdown, then SIGKILL to the group if it does not end in time."""
        if self.alive:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        # Pool processes left behind by a killed main process.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._output.close()


def wait_until(predicate: Any, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
