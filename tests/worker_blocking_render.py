"""The project's Celery app, for a worker started by a test, whose first PDF render blocks.

    celery -A tests.worker_blocking_render worker --pool prefork -c 1

With `RUPN_TEST_RENDER_STARTED` and `RUPN_TEST_RENDER_RELEASE` naming two files, the first
render of any pool process writes its pid to the first file, then waits until the second one
exists: the test kills that process while it renders, at a moment it chose. Every later render
(the `started` file exists) runs at once. `RUPN_TEST_VISIBILITY_TIMEOUT` (seconds) shortens
Redis' visibility timeout for this worker.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from celery.signals import worker_process_init

from rupn.celery import app

__all__ = ["app"]

# A worker started after another was killed reclaims that one's unacknowledged messages once
# they are this old (Redis' visibility timeout, an hour by default).
if os.environ.get("RUPN_TEST_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        "visibility_timeout": int(os.environ["RUPN_TEST_VISIBILITY_TIMEOUT"]),
        # Look for such messages every second (kombu: every 10 × 10 s by default).
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }


@worker_process_init.connect
def block_the_first_render(**_: Any) -> None:
    started = os.environ.get("RUPN_TEST_RENDER_STARTED")
    release = os.environ.get("RUPN_TEST_RENDER_RELEASE")
    if not started or not release:
        return
    import missions.pdf

    original = missions.pdf.render_letter_pdf

    def render(letter: Any) -> bytes:
        marker = Path(started)
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            deadline = time.monotonic() + 120  # never hang a run for ever
            while not Path(release).exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return original(letter)

    missions.pdf.render_letter_pdf = render
