"""The refresh of the overview's precomputed figures, every few minutes (Celery beat)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from dashboards.overview_figures import refresh_overview_figures
from establishments.models import Academie
from rupn.tasks import AcademieTask


@shared_task
def overview_figures_tick() -> int:
    """Celery beat: one refresh per académie, each in its own scope. Returns how many."""
    academie_ids = list(Academie.objects.order_by("pk").values_list("pk", flat=True))
    for academie_id in academie_ids:
        overview_figures_refresh.apply_async(kwargs={"academie_id": academie_id})
    return len(academie_ids)


@shared_task(
    base=AcademieTask,
    # A lock timeout or a lost connection passes: retried, with backoff. A refresh is
    # idempotent (its rows are recomputed whole), and the next tick makes up for a last failure.
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=3,
)
def overview_figures_refresh(*, academie_id: int) -> str:
    return refresh_overview_figures(academie_id=academie_id).isoformat()
