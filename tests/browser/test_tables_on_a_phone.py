"""On a 375 px phone, every action button of a table row can be reached and clicked: the DSFR
table scrolls sideways inside its wrapper instead of being cut off."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in
from tests.factories import AcademieWorld, make_establishment
from tests.indemnities.allocations.conftest import make_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_row_actions_of_the_allocation_list_are_reachable_at_375_px(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, _ = worlds
    make_rules(poitiers.academie)
    principal = poitiers.principal
    principal.establishments.add(
        make_establishment(academie=poitiers.academie, name="Collège au nom assez long")
    )
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, principal.user.email)
    page.goto("/indemnites/attributions/")
    check_accessibility(page, "indemnités sur un téléphone")
    buttons = page.locator("table tbody .fr-btn")
    assert buttons.count() == 4  # two per establishment
    width = page.evaluate("document.documentElement.clientWidth")
    # The page itself does not scroll sideways: only the table does, inside its wrapper.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for index in range(buttons.count()):
        button = buttons.nth(index)
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box is not None
        assert 0 <= box["x"] and box["x"] + box["width"] <= width, button.inner_text()
        centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        on_top = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.closest('a, button')?.textContent",
            [centre_x, centre_y],
        )
        assert on_top == button.text_content()
