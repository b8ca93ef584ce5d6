"""A row read again under its lock, without reading again what the caller already holds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def locked_again(instance: M, relations: Iterable[str]) -> M:
    """`instance`'s row read again with `SELECT … FOR UPDATE` (inside the caller's
    transaction), given the forward relations named in `relations` as the caller read them,
    with whatever those carry, while the row still points at the same rows; a relation the
    caller did not read, or that the row no longer points at, is read when used.

    One table instead of a join of all of them: PostgreSQL planned a seven-table join longer
    than it took to run every other read of the request, on each save."""
    model = type(instance)
    locked = model._default_manager.select_for_update().get(pk=instance.pk)
    for name in relations:
        field = model._meta.get_field(name)
        assert isinstance(field, models.ForeignKey), f"{name} n’est pas une clé étrangère"
        if field.is_cached(instance) and getattr(locked, field.attname) == getattr(
            instance, field.attname
        ):
            field.set_cached_value(locked, field.get_cached_value(instance))
    return locked
