"""Tests that need an outside service: skipped without it, failed without it under CI=true.

- `@pytest.mark.celery_worker`: a real Celery worker talking to Redis (REDIS_URL).
- `@pytest.mark.browser`: Chromium at /usr/bin/chromium, driven by Playwright.

Every other test runs Celery tasks on the spot (eager), even when REDIS_URL is set: a task
queued to Redis with no worker listening would never run, and would linger for the next run.
The session ends with one line saying what the run used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REDIS_MISSING = "Redis absent : REDIS_URL non défini ou injoignable"
CHROMIUM_MISSING = f"Chromium absent : {CHROMIUM} introuvable (apt-get install chromium)"

_skipped_for_services: dict[str, int] = {"redis": 0, "chromium": 0}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@cache
def redis_available() -> bool:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        return bool(client.ping())
    except redis.RedisError:
        return False


def chromium_available() -> bool:
    return CHROMIUM.exists()


def _require(item: pytest.Item, available: bool, service: str, reason: str) -> None:
    if available:
        return
    if in_ci():
        pytest.fail(f"{reason} — CI=true : ce test doit passer par le vrai service.", pytrace=False)
    _skipped_for_services[service] += 1
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("celery_worker"):
        _require(item, redis_available(), "redis", REDIS_MISSING)
    if item.get_closest_marker("browser"):
        _require(item, chromium_available(), "chromium", CHROMIUM_MISSING)


@pytest.fixture(autouse=True)
def _celery_eager_unless_worker(request: pytest.FixtureRequest) -> Iterator[None]:
    """Eager tasks everywhere but in celery_worker tests, which need the real queue."""
    from rupn.celery import app

    eager = request.node.get_closest_marker("celery_worker") is None
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    try:
        yield
    finally:
        app.conf.task_always_eager = saved


def _database_description() -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    vendor = {"postgresql": "PostgreSQL", "sqlite3": "SQLite"}.get(engine, engine)
    if vendor == "SQLite":
        test_name = database.get("TEST", {}).get("NAME")
        return f"SQLite ({test_name or 'en mémoire'})"
    name = database.get("TEST", {}).get("NAME") or f"test_{database['NAME']}"
    return f"{vendor} ({name} sur {database.get('HOST') or 'socket local'})"


def _broker_description() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return "aucun, tâches exécutées sur place (eager)"
    parts = urlsplit(url)
    where = f"{parts.hostname}:{parts.port or 6379}{parts.path}"
    if not redis_available():
        return f"Redis {where} injoignable, tâches exécutées sur place (eager)"
    return f"Redis {where} pour les tests celery_worker, eager pour les autres"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = sum(_skipped_for_services.values())
    names = {"redis": "Redis", "chromium": "Chromium"}
    details = ", ".join(f"{names[s]} : {n}" for s, n in _skipped_for_services.items() if n)
    try:
        database = _database_description()
    except Exception as exc:  # the summary must never hide the real result
        database = f"inconnue ({exc})"
    terminalreporter.write_line(
        f"Services : base {database} ; broker {_broker_description()} ; "
        f"navigateur {'Chromium' if chromium_available() else 'absent'} ; "
        f"{skipped} test(s) ignoré(s) faute de service" + (f" ({details})" if details else "")
    )
