"""A worker killed while it renders a signed PDF: the task runs again and, in the end, the letter
has one stored PDF and each recipient one email, delivered to a real SMTP server.

Real worker processes (`celery worker --pool prefork -c 1`, see `tests/worker_processes.py`) on
Redis and on the PostgreSQL test database, which this `transaction=True` test commits to. Their
first render blocks (`tests/worker_blocking_render.py`) until the test has killed:

- the pool process only: the worker's main process sees it lost and, with `acks_late` and
  `reject_on_worker_lost`, puts the message back on the queue; its new pool process runs it;
- the whole worker: its message stays unacknowledged in Redis until another worker, started
  with a short visibility timeout, reclaims it.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from missions.models import LetterEmail, LetterPdf, LetterStatus
from rupn.celery import app
from tests.smtp_server import SmtpServer
from tests.worker_processes import WorkerProcess, database_url, wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Workers in other processes share the test database on PostgreSQL only")


class Workers:
    """The worker processes of one test, all stopped at its end."""

    def __init__(self, folder: Path, smtp: SmtpServer) -> None:
        self.folder = folder
        self.started = folder / "render-started"
        self.release = folder / "render-release"
        self.env = {
            "DJANGO_SETTINGS_MODULE": "rupn.settings",
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": os.environ["REDIS_URL"],
            "EMAIL_URL": f"smtp://{smtp.host}:{smtp.port}",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "RUPN_SEAL_DIR": str(settings.RUPN_SEAL_DIR),
            "RUPN_TEST_RENDER_STARTED": str(self.started),
            "RUPN_TEST_RENDER_RELEASE": str(self.release),
        }
        self.running: list[WorkerProcess] = []

    def start(self, **env: str) -> WorkerProcess:
        name = f"perdu-{len(self.running) + 1}-{uuid.uuid4().hex[:6]}"
        worker = WorkerProcess(
            app="tests.worker_blocking_render",
            name=name,
            env={**self.env, **env},
            log=self.folder / f"{name}.log",
        )
        self.running.append(worker)
        return worker

    def logs(self) -> str:
        return "\n".join(f"--- {w.name}\n{w.tail()}" for w in self.running)

    def stop_all(self) -> None:
        for worker in self.running:
            worker.stop()


@pytest.fixture
def workers(postgresql: None, smtp_server: SmtpServer, tmp_path: Path) -> Iterator[Workers]:
    app.control.purge()  # what an interrupted earlier run left on the queue
    started = Workers(tmp_path, smtp_server)
    try:
        yield started
    finally:
        started.release.touch()
        started.stop_all()
        app.control.purge()


def _issue_letter():
    from tests.factories import POITIERS_DEPARTEMENTS, make_world
    from tests.missions.letters import advance, draft_letter, publish_template

    world = make_world(name="Poitiers", code="13", departements=POITIERS_DEPARTEMENTS)
    publish_template(world)
    # Issued here; the tasks (the steps' emails, then the PDF) wait on Redis for a worker.
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    recipients = sorted(
        [world.rupn.user.email, world.principal.user.email, world.establishment.email]
    )
    return letter, recipients


def _pdf_deliveries(server: SmtpServer) -> dict[str, int]:
    counts: dict[str, int] = {}
    for delivered in server.delivered:
        if delivered.attachments:
            for address in delivered.recipients:
                counts[address] = counts.get(address, 0) + 1
    return counts


def _render_started(workers: Workers, worker: WorkerProcess) -> int:
    assert wait_until(workers.started.exists, timeout=40), (
        "le worker n’a pas commencé le rendu du PDF à temps\n" + workers.logs()
    )
    assert worker.alive, workers.logs()
    pid = int(workers.started.read_text())
    assert pid != worker.process.pid, "le rendu doit avoir lieu dans un processus du pool"
    return pid


def _assert_delivered_once(letter, recipients, smtp_server: SmtpServer, workers: Workers) -> None:
    def done() -> bool:
        return len(_pdf_deliveries(smtp_server)) == len(recipients)

    assert wait_until(done, timeout=40), (
        f"PDF livré à {_pdf_deliveries(smtp_server)}, attendu une fois à {recipients}\n"
        + workers.logs()
    )
    # Anything sent twice would arrive right after: give it the time to.
    assert not wait_until(lambda: sum(_pdf_deliveries(smtp_server).values()) > 3, timeout=2)
    assert _pdf_deliveries(smtp_server) == dict.fromkeys(recipients, 1)
    [stored] = LetterPdf.objects.filter(letter=letter)
    files = list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    assert [f.name for f in files] == [Path(str(stored.file.name)).name]
    content = stored.file.read()
    for address in recipients:
        [delivered] = [d for d in smtp_server.delivered_to(address) if d.attachments]
        assert delivered.attachments[0][2] == content
    rows = LetterEmail.objects.filter(letter=letter, event_key="pdf")
    assert sorted(r.recipient for r in rows) == recipients
    assert all(r.sent_at is not None and r.error == "" for r in rows)


def test_a_pool_process_killed_while_rendering(workers: Workers, smtp_server: SmtpServer):
    letter, recipients = _issue_letter()
    worker = workers.start()
    child = _render_started(workers, worker)

    os.kill(child, signal.SIGKILL)
    assert not LetterPdf.objects.filter(letter=letter).exists()
    _assert_delivered_once(letter, recipients, smtp_server, workers)
    assert worker.alive, workers.logs()
    assert "WorkerLostError" in worker.tail(200), worker.tail()


def test_a_whole_worker_killed_while_rendering(workers: Workers, smtp_server: SmtpServer):
    letter, recipients = _issue_letter()
    first = workers.start()
    _render_started(workers, first)

    first.kill()  # main process and pool at once: nothing tells Redis
    assert not LetterPdf.objects.filter(letter=letter).exists()
    # Another worker reclaims the unacknowledged message once it is 3 s old (it looks every
    # 10 s or so).
    workers.start(RUPN_TEST_VISIBILITY_TIMEOUT="3")
    _assert_delivered_once(letter, recipients, smtp_server, workers)
