"""The results' figures against the hand-computed fixture of `results_fixture.py`.

Percentages are rounded half up to one decimal place: 2/3 → 66.7, 1/3 → 33.3, 4/7 → 57.1.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.scopes import scope_for
from surveys.selectors_results import (
    ResultFilters,
    campaign_figures,
    campaign_results,
    percent,
)
from tests.surveys.results_fixture import build

pytestmark = pytest.mark.django_db


def D(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture
def fixture(worlds):
    return build(*worlds)


def _by_key(results):
    return {r.question.key: r for r in results.questions}


def _shares(result):
    return {o.option.key: (o.share.count, o.share.percent) for o in result.options}


def test_percent_rounds_half_up_to_one_place():
    assert percent(2, 3) == D("66.7")
    assert percent(1, 3) == D("33.3")
    assert percent(1, 8) == D("12.5")
    assert percent(1, 16) == D("6.3")  # 6.25 → 6.3, not the banker's 6.2
    assert percent(0, 0) is None


def test_figures_invited_started_submitted_and_rate(worlds, fixture):
    poitiers, _ = worlds
    figures = campaign_figures(scope_for(poitiers.dane_admin), fixture.campaign)
    # The world's referent and r1…r6; r1…r5 started, r1…r4 submitted.
    assert (figures.invited, figures.started, figures.submitted) == (7, 5, 4)
    assert figures.in_progress == 1
    assert figures.rate == D("57.1")  # 4 / 7


def test_choice_questions_count_among_those_who_answered(worlds, fixture):
    poitiers, _ = worlds
    results = campaign_results(scope_for(poitiers.dane_admin), fixture.campaign)
    assert results.respondents == 4
    q = _by_key(results)
    assert q["pilotage"].answered == 4
    assert _shares(q["pilotage"]) == {"oui": (3, D("75.0")), "non": (1, D("25.0"))}
    # Multiple choice: among the 3 who answered; shares add up to more than 100.
    assert q["information"].answered == 3
    assert _shares(q["information"]) == {
        "courriel": (2, D("66.7")),
        "ent": (1, D("33.3")),
        "autre": (1, D("33.3")),
    }
    assert [(t.text, t.establishment_type, t.option_label) for t in q["information"].texts] == [
        ("Affichage en salle des professeurs", "Lycée général et technologique", "Autre")
    ]
    assert _shares(q["assistance"]) == {"oui": (2, D("66.7")), "non": (1, D("33.3"))}
    assert _shares(q["tablette"]) == {
        "jamais": (1, D("25.0")),
        "parfois": (2, D("50.0")),
        "souvent": (1, D("25.0")),
    }


def test_a_conditional_question_counts_among_those_it_was_shown_to(worlds, fixture):
    poitiers, _ = worlds
    q = _by_key(campaign_results(scope_for(poitiers.dane_admin), fixture.campaign))
    enquete = q["enquete"]
    # Shown to r1, r2, r4 (« oui » to pilotage); answered by r1 and r2.
    assert (enquete.shown, enquete.answered) == (3, 2)
    assert enquete.percent_answered == D("66.7")
    assert {
        o.option.key: (o.share.count, o.share.percent, o.share.percent_shown)
        for o in enquete.options
    } == {"oui": (1, D("50.0"), D("33.3")), "non": (1, D("50.0"), D("33.3"))}
    assert "Oui" in enquete.condition
    # A question shown to everyone: shown = the respondents, no second percentage.
    assert q["pilotage"].shown == 4
    assert q["pilotage"].options[0].share.percent_shown is None


def test_grid_rows_number_and_texts(worlds, fixture):
    poitiers, _ = worlds
    q = _by_key(campaign_results(scope_for(poitiers.dane_admin), fixture.campaign))
    grid = q["ressources"]
    assert [c.key for c in grid.columns] == ["utilisee", "connue", "inconnue"]
    assert [
        (r.row.key, r.answered, [(c.count, c.percent) for c in r.cells]) for r in grid.rows
    ] == [
        ("eduthèque", 3, [(2, D("66.7")), (1, D("33.3")), (0, D("0.0"))]),
        ("pix", 2, [(0, D("0.0")), (2, D("100.0")), (0, D("0.0"))]),
    ]
    number = q["ateliers"].number
    assert number is not None
    assert (number.count, number.mean, number.low, number.high) == (3, D("2.00"), 0, 4)
    assert [t.text for t in q["projet"].texts] == ["Robotique au CDI"]
    assert q["projet"].answered == 1
    assert [(t.text, t.establishment_type) for t in q["demandes"].texts] == [
        ("Plus de tablettes", "Lycée général et technologique")
    ]


def test_the_tasks_of_the_letters_per_task_and_establishment_type(worlds, fixture):
    poitiers, _ = worlds
    q = _by_key(campaign_results(scope_for(poitiers.dane_admin), fixture.campaign))
    table = q["taches"].tasks
    assert table is not None
    assert [s.key for s in table.statuses] == ["faite", "en-partie", "non-faite", "pas-commencee"]
    assert table.types == [("college", "Collège"), ("lgt", "Lycée général et technologique")]
    t1, t2 = table.tasks
    assert (t1.key, t1.label, t1.answered) == ("t1", "Animer la formation au numérique", 4)
    assert [(s.count, s.percent) for s in t1.statuses] == [
        (3, D("75.0")),
        (0, D("0.0")),
        (0, D("0.0")),
        (1, D("25.0")),
    ]
    # « Faite »: collèges 2 of 2, lycées 1 of 2.
    assert [(s.count, s.percent) for s in t1.done_by_type] == [(2, D("100.0")), (1, D("50.0"))]
    assert t2.answered == 3
    assert [s.count for s in t2.statuses] == [1, 1, 1, 0]
    assert [(s.count, s.percent) for s in t2.done_by_type] == [(0, D("0.0")), (1, D("100.0"))]
    # All tasks: 4 done of 7 answers; collèges 2 of 4, lycées 2 of 3.
    assert table.total is not None
    assert (table.total.answered, table.total.statuses[0].percent) == (7, D("57.1"))
    assert [s.percent for s in table.total.done_by_type] == [D("50.0"), D("66.7")]
    assert [t.text for t in q["taches"].texts] == ["Deux sessions"]


def test_filters_by_departement_and_type(worlds, fixture):
    poitiers, _ = worlds
    scope = scope_for(poitiers.dane_admin)
    vienne = poitiers.academie.departements.get(code="86")
    by_dep = campaign_results(scope, fixture.campaign, ResultFilters(departement_id=vienne.pk))
    assert by_dep.respondents == 2  # r3, r4
    assert _shares(_by_key(by_dep)["pilotage"]) == {"oui": (1, D("50.0")), "non": (1, D("50.0"))}
    figures = campaign_figures(scope, fixture.campaign, ResultFilters(departement_id=vienne.pk))
    assert (figures.invited, figures.submitted, figures.rate) == (2, 2, D("100.0"))
    colleges = campaign_results(
        scope, fixture.campaign, ResultFilters(establishment_type="college")
    )
    assert colleges.respondents == 2  # r1, r2
    assert _shares(_by_key(colleges)["tablette"]) == {
        "jamais": (1, D("50.0")),
        "parfois": (1, D("50.0")),
        "souvent": (0, D("0.0")),
    }


def test_a_coordinator_counts_their_departements_only(worlds, fixture):
    poitiers, _ = worlds
    scope = scope_for(poitiers.coordinator)  # Charente (16)
    figures = campaign_figures(scope, fixture.campaign)
    # The world's referent's collège, r1, r2, r5: four invited, three started, two submitted.
    assert (figures.invited, figures.started, figures.submitted) == (4, 3, 2)
    results = campaign_results(scope, fixture.campaign)
    assert results.respondents == 2
    assert _shares(_by_key(results)["pilotage"]) == {"oui": (2, D("100.0")), "non": (0, D("0.0"))}
    # A filter on another département gives nothing, not that département's figures.
    vienne = poitiers.academie.departements.get(code="86")
    assert campaign_results(scope, fixture.campaign, ResultFilters(vienne.pk)).respondents == 0
