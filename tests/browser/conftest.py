"""User journeys in headless Chromium (Playwright), against pytest-django's live server.

Debian's Chromium is used, never a browser downloaded by `playwright install`. Every page a
journey visits is checked with axe-core: a "serious" or "critical" violation fails the test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse the
# ORM calls the tests make to build their data.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
DATA = Path(__file__).resolve().parent / "data"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"Chromium absent ({CHROMIUM}) : parcours navigateur ignorés")
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(here):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium absent ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Iterator[Any]:
    context = chromium.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def _describe(violation: dict[str, Any]) -> str:
    lines = [
        f"- [{violation.get('impact')}] {violation.get('id')} : {violation.get('help')} "
        f"({violation.get('helpUrl')})"
    ]
    for node in violation.get("nodes", [])[:5]:
        target = ", ".join(str(t) for t in node.get("target", []))
        summary = (node.get("failureSummary") or "").replace("\n", " ")
        lines.append(f"    {target} : {summary}")
        lines.append(f"      {node.get('html', '')[:200]}")
    return "\n".join(lines)


def check_accessibility(page: Any, where: str) -> None:
    """Runs axe-core on the page as it is now; fails on serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = [
        violation
        for violation in results.response.get("violations", [])
        if violation.get("impact") in BLOCKING_IMPACTS
    ]
    if violations:
        report = "\n".join(_describe(violation) for violation in violations)
        pytest.fail(
            f"Accessibilité – {where} ({page.url}) : {len(violations)} violation(s) "
            f"graves ou critiques\n{report}",
            pytrace=False,
        )
