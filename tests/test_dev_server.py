"""`python3 dev.py run` stops its whole server (the reloader and the child serving) on exit."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

import dev

# A parent that starts a child and waits, as runserver's autoreloader does.
RELOADER_LIKE = (
    "import subprocess, sys, time;"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
    "time.sleep(60)"
)


@pytest.mark.skipif(os.name == "nt", reason="groupes de processus POSIX")
def test_stop_server_stops_the_whole_process_group() -> None:
    process = subprocess.Popen([sys.executable, "-c", RELOADER_LIKE], start_new_session=True)
    time.sleep(0.5)
    dev.stop_server(process, timeout=5)
    assert process.poll() is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return  # nothing of the group is left
        time.sleep(0.1)
    pytest.fail("un processus du serveur tourne encore")
