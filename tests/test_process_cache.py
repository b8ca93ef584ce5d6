"""The process's store of rows read at one version: loaded once, bounded, forgotten when a
setting changes."""

from __future__ import annotations

from django.test import override_settings

from rupn.process_cache import ProcessCache


def test_a_value_is_loaded_once_then_given_back():
    store: ProcessCache[list[int]] = ProcessCache(maxsize=4)
    loads: list[str] = []

    def load(key: str) -> list[int]:
        loads.append(key)
        return [len(loads)]

    first = store.get_or_load("a", lambda: load("a"))
    again = store.get_or_load("a", lambda: load("a"))
    assert again is first and loads == ["a"]


def test_the_least_recently_used_value_goes_first():
    store: ProcessCache[str] = ProcessCache(maxsize=2)
    store.get_or_load(1, lambda: "un")
    store.get_or_load(2, lambda: "deux")
    store.get_or_load(1, lambda: "relu")  # 1 used again: 2 is now the oldest
    store.get_or_load(3, lambda: "trois")
    assert len(store) == 2
    assert store.get_or_load(1, lambda: "relu") == "un"
    assert store.get_or_load(2, lambda: "relu") == "relu"


def test_a_setting_change_forgets_everything():
    store: ProcessCache[str] = ProcessCache(maxsize=2)
    store.get_or_load("a", lambda: "avant")
    with override_settings(LANGUAGE_CODE="fr"):
        assert len(store) == 0
        assert store.get_or_load("a", lambda: "après") == "après"
