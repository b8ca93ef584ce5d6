"""Rows that never change at one version (a published letter template's sections and tasks, a
survey's structure, a rule set's bands and multiples), kept by the process between requests
rather than read again on each.

A key names the version the value was read at, so that a change is a new key, never a stale
value: the template's id and publication time, the survey's id and structure version, the rule
set's id and last save. The rows kept are shared by the requests that follow, which only read
them. A store is bounded (least recently used out first) and forgotten when a setting changes,
which tests do before each of theirs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.core.signals import setting_changed
from django.db import models

V = TypeVar("V")

_stores: list[ProcessCache[Any]] = []


class ProcessCache(Generic[V]):
    """Values by key, at most `maxsize` of them, safe to use from several threads."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        _stores.append(self)

    def get_or_load(self, key: Hashable, load: Callable[[], V]) -> V:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        # Loaded outside the lock: two threads may both read the same rows once, never wait
        # on each other's queries.
        value = load()
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.maxsize:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


def set_prefetched(instance: models.Model, related_name: str, rows: list[Any]) -> None:
    """Give `instance` its `related_name` rows as `prefetch_related` would, so that
    `instance.<related_name>.all()` reads nothing: the rows kept here, on a row of this
    request. The rows are shared between requests and only read."""
    prefetched = getattr(instance, related_name).all()
    prefetched._result_cache = list(rows)
    prefetched._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[related_name] = prefetched


def clear_all() -> None:
    for store in _stores:
        store.clear()


def _forget(**kwargs: Any) -> None:
    clear_all()


setting_changed.connect(_forget)
