"""The tenancy guard: a query on a tenant model outside an open académie scope raises.

Every tenant model's default manager is `TenantManager` (django-scopes): it adds
`academie_id = <the open scope's académie>` to every query, and refuses to run at all when no
scope is open. Scopes are opened in three places only: the middleware (from the acting
membership), the base Celery task (from its `academie_id`) and the commands that work for one
académie. `scopes_disabled()` is for the platform's national views, the Django admin of platform
administrators, migrations, the demo loader and benchmarks, each with a comment saying why.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import models
from django_scopes import get_scope, scope, scopes_disabled
from django_scopes.exceptions import ScopeError
from django_scopes.manager import DisabledQuerySet

__all__ = [
    "ScopeError",
    "TenantManager",
    "academie_scope",
    "scopes_disabled",
]


_T = TypeVar("_T", bound=models.Model)


class TenantManager(models.Manager[_T]):
    """The default manager of a tenant model, whose académie is reached through `via`.

    The same behaviour as django-scopes' `ScopedManager(academie=via)`, as a class of its own so
    that it combines with `from_queryset` and the type checker sees it. A model whose académie
    is on a parent row subclasses it with another `via` (a class attribute, so that Django's
    related managers, built from this class, keep it).
    """

    via = "academie"

    def get_queryset(self) -> models.QuerySet[_T]:
        current = get_scope()
        if not current.get("_enabled", True):
            return super().get_queryset()
        if "academie" not in current:
            return DisabledQuerySet(self.model, using=self._db, missing_scopes=["academie"])
        return super().get_queryset().filter(**{self.via: current["academie"]})

    def all(self) -> models.QuerySet[_T]:
        queryset = super().all()
        if isinstance(queryset, DisabledQuerySet):
            queryset.all()  # raises: no académie scope is open
        return queryset


@contextmanager
def academie_scope(academie_id: int) -> Iterator[None]:
    """Open the scope of one académie: tenant queries then see its rows only."""
    if academie_id is None:
        # django-scopes reads None as "every académie": never open that by accident.
        raise ValueError("academie_scope needs an académie id")
    with scope(academie=int(academie_id)):
        yield
