"""The axe check of the journeys does find violations: a page passing it is not a vacuous pass."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import check_accessibility

pytestmark = pytest.mark.browser


def test_axe_check_fails_on_serious_violations(chromium: Any) -> None:
    page = chromium.new_page()
    try:
        page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
        with pytest.raises(pytest.fail.Exception, match="image-alt"):
            check_accessibility(page, "page sans alternative ni étiquette")
    finally:
        page.close()
