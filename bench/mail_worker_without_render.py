"""The project's Celery app for `bench/letter_pdf_mail.py --without-render`: each worker's
render and seal return the sealed PDF file `RUPN_BENCH_PDF` names, at once, so that the run
measures what the delivery costs around them (queue, database, storage, emails).

    celery -A bench.mail_worker_without_render worker --pool prefork -c 1
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from celery.signals import worker_process_init

from rupn.celery import app

__all__ = ["app"]


@worker_process_init.connect
def render_nothing(**_: Any) -> None:
    import missions.pdf
    import missions.seal

    sealed = Path(os.environ["RUPN_BENCH_PDF"]).read_bytes()
    missions.pdf.render_letter_pdf = lambda letter: sealed
    missions.seal.seal_pdf = lambda pdf, *, academie, reference: pdf
