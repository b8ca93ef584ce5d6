"""The annual synthesis report: its figures computed by hand on `report_fixture`, the
coordinator's départements only (in the PDF and the DOCX too), the task (idempotent,
progress, failure shown and started again), the page and its downloads, constant query counts.

Shares are percentages rounded half up to one decimal: 2 of 4 → 50.0; 1 of 3 → 33.3.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from docx import Document
from pypdf import PdfReader

from accounts.scopes import scope_for
from dashboards.report import Report, collect_report
from tests.dashboards.report_fixture import K1, K2, K3, OWN, R3_TEXT, build_report_world

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def rw(poitiers, bordeaux):
    return build_report_world(poitiers, bordeaux)


def key(report: Report, label: str):
    return next(k.figure for k in report.key_figures if k.label == label)


def test_key_figures_computed_by_hand(rw) -> None:
    report = collect_report(scope_for(rw.world.dane_admin), school_year=rw.year)
    assert report.perimeter == "Académie de Poitiers"
    rupn = key(report, "Référents (RUPN)")
    assert (rupn.value, rupn.previous) == (4, 1)
    coverage = key(report, "Couverture des établissements")
    assert (coverage.value, coverage.previous) == (D("60.0"), D("20.0"))
    signed = key(report, "Lettres signées (en vigueur)")
    assert (signed.value, signed.previous) == (2, 1)
    with_letter = key(report, "Part des référents ayant signé une lettre")
    assert (with_letter.value, with_letter.previous, with_letter.difference) == (
        D("50.0"),
        D("100.0"),
        D("-50.0"),
    )
    rate = key(report, "Taux de réponse au bilan des référents")
    assert (rate.value, rate.previous) == (D("50.0"), D("100.0"))
