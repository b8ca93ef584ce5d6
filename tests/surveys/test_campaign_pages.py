"""The DANE's campaign and results pages: opening a campaign, its follow-up, dates, closing,
the results with filters, the exports, bad input, and query counts constant as data grows."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from surveys.models import Audience, Campaign, SurveyInvitation
from surveys.services import survey_publish
from tests.conftest import client_acting_as
from tests.surveys.definitions import every_kind, make_survey
from tests.surveys.responses import invite, open_campaign, respond
from tests.surveys.results_fixture import build

pytestmark = pytest.mark.django_db


def _dates(**days: int) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "ouverture": (today + datetime.timedelta(days=days.get("opens", 0))).isoformat(),
        "cloture": (today + datetime.timedelta(days=days.get("closes", 20))).isoformat(),
        "relance": str(days.get("every", 5)),
    }


def test_the_dane_opens_a_published_surveys_campaign(
    worlds, django_capture_on_commit_callbacks, mailoutbox
):
    from accounts.scopes import scope_for

    poitiers, _ = worlds
    survey = survey_publish(survey=make_survey(poitiers), actor=scope_for(poitiers.dane_admin))
    client = client_acting_as(poitiers.dane_admin)
    listing = client.get(reverse("surveys:campaigns"))
    create_url = reverse("surveys:campaign_create", args=[survey.pk])
    assert create_url in listing.content.decode()
    page = client.get(create_url)
    assert page.status_code == 200
    assert "1 personne" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(create_url, _dates(closes=20, every=5))
    campaign = Campaign.objects.get(survey=survey)
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:campaign", args=[campaign.pk])
    assert campaign.reminder_every_days == 5
    assert timezone.localtime(campaign.closes_at).date() == timezone.localdate() + (
        datetime.timedelta(days=21)
    )  # the end of the last day
    assert [m.to for m in mailoutbox] == [[poitiers.rupn.user.email]]
    detail = client.get(response["Location"]).content.decode()
    assert "Ouverte" in detail and "Taux de réponse" in detail
    # Opening it twice leads to the campaign.
    again = client.get(create_url)
    assert again.status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_dates(opens=5, closes=2), "ne peut précéder"),
        (_dates(opens=-10, closes=-1), "est passé"),
        ({**_dates(), "relance": "0"}, "de 1 à 90"),
        ({**_dates(), "cloture": "31/02/2027"}, "date valide"),
    ],
)
def test_bad_campaign_dates_are_refused_in_french(worlds, data, message):
    from accounts.scopes import scope_for

    poitiers, _ = worlds
    survey = survey_publish(survey=make_survey(poitiers), actor=scope_for(poitiers.dane_admin))
    client = client_acting_as(poitiers.dane_admin)
    response = client.post(reverse("surveys:campaign_create", args=[survey.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_draft_survey_cannot_be_opened(worlds):
    poitiers, _ = worlds
    survey = make_survey(poitiers)
    client = client_acting_as(poitiers.dane_admin)
    response = client.post(reverse("surveys:campaign_create", args=[survey.pk]), _dates())
    assert response.status_code == 400
    assert "Publiez" in response.content.decode()
    assert not Campaign.objects.exists()


def test_the_campaign_page_changes_dates_and_closes(worlds):
    poitiers, _ = worlds
    campaign = open_campaign(poitiers, make_survey(poitiers), every=7)
    client = client_acting_as(poitiers.dane_admin)
    url = reverse("surveys:campaign", args=[campaign.pk])
    bad = client.post(
        reverse("surveys:campaign_edit", args=[campaign.pk]),
        {"cloture": (timezone.localdate() - datetime.timedelta(days=3)).isoformat()},
    )
    assert bad.status_code == 400 and "passée" in bad.content.decode()
    new_last_day = timezone.localdate() + datetime.timedelta(days=40)
    response = client.post(
        reverse("surveys:campaign_edit", args=[campaign.pk]),
        {"cloture": new_last_day.isoformat(), "relance": ""},
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.reminder_every_days is None
    assert "Pas de relance automatique" in client.get(url).content.decode()
    response = client.post(reverse("surveys:campaign_close", args=[campaign.pk]))
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Clôturée" in page and "Clôturer la campagne maintenant" not in page
    assert AuditEvent.objects.filter(verb="campaign.close", target_id=campaign.pk).exists()
    again = client.post(reverse("surveys:campaign_close", args=[campaign.pk]), follow=True)
    assert "déjà clôturée" in again.content.decode()


def test_a_coordinator_reads_figures_and_results_but_acts_on_nothing(worlds):
    poitiers, bordeaux = worlds
    fixture = build(poitiers, bordeaux)
    client = client_acting_as(poitiers.coordinator)
    page = client.get(reverse("surveys:campaign", args=[fixture.campaign.pk])).content.decode()
    assert "dans vos départements" in page
    assert "Clôturer" not in page and "Enregistrer les dates" not in page
    assert (
        client.post(reverse("surveys:campaign_close", args=[fixture.campaign.pk])).status_code
        == 403
    )
    results = client.get(reverse("surveys:results", args=[fixture.campaign.pk])).content.decode()
    assert "Robotique au CDI" in results  # r1, Charente
    assert "Plus de tablettes" not in results  # r3, Vienne


def test_results_page_shows_the_hand_computed_figures_and_filters(worlds):
    poitiers, bordeaux = worlds
    fixture = build(poitiers, bordeaux)
    client = client_acting_as(poitiers.dane_admin)
    url = reverse("surveys:results", args=[fixture.campaign.pk])
    page = client.get(url).content.decode()
    assert "57,1\u00a0%" in page  # 4 of 7
    assert "66,7\u00a0%" in page
    assert "Posée à 3 répondants, 2 y ont répondu" in page
    assert "Affichage en salle des professeurs" in page
    assert "Part des tâches faites, par type d’établissement" in page
    vienne = client.get(url, {"departement": "86"}).content.decode()
    assert "100,0\u00a0%" in vienne  # 2 of 2 invited in Vienne submitted
    assert "Robotique au CDI" not in vienne
    # A département of another académie, or an unknown type: refused, in French.
    bad = client.get(url, {"departement": "33"})
    assert bad.status_code == 400
    assert "pas parmi les vôtres" in bad.content.decode()
    assert client.get(url, {"type": "ecole"}).status_code == 400


def _csv_rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_exports_one_row_per_response_with_a_codebook_and_the_aggregates(worlds):
    poitiers, bordeaux = worlds
    fixture = build(poitiers, bordeaux)
    client = client_acting_as(poitiers.dane_admin)
    url = reverse("surveys:results_export", args=[fixture.campaign.pk])
    response = client.get(url, {"format": "csv", "tableau": "reponses"})
    assert response["Content-Disposition"].endswith('.csv"')
    header, *rows = _csv_rows(response.content)
    assert len(rows) == 4  # the submitted responses only
    col = {name: header.index(name) for name in header}
    by_id = {int(r[col["reponse"]]): r for r in rows}
    r1 = by_id[fixture.people["r1"].response.pk]
    assert r1[col["pilotage"]] == "Oui"
    assert (r1[col["information.courriel"]], r1[col["information.ent"]]) == ("1", "1")
    assert r1[col["information.autre"]] == "0"
    assert r1[col["ressources.pix"]] == "Connue"
    assert r1[col["ateliers"]] == "4"
    assert r1[col["taches.1.etat"]] == "Faite"
    assert r1[col["taches.1.commentaire"]] == "Deux sessions"
    assert r1[col["type"]] == "Collège"
    r4 = by_id[fixture.people["r4"].response.pk]
    assert r4[col["information.courriel"]] == ""  # unanswered, not « not chosen »
    r3 = by_id[fixture.people["r3"].response.pk]
    assert r3[col["information.autre.precision"]] == "Affichage en salle des professeurs"
    codebook = _csv_rows(client.get(url, {"format": "csv", "tableau": "dictionnaire"}).content)
    names = [line[0] for line in codebook[1:]]
    assert names[: len(header)] == header
    enquete = next(line for line in codebook if line[0] == "enquete")
    assert "pilotage" in enquete[6]
    aggregates = _csv_rows(client.get(url, {"format": "csv", "tableau": "agregats"}).content)
    pilotage_oui = next(line for line in aggregates if line[0] == "pilotage" and line[4] == "Oui")
    assert pilotage_oui[5:8] == ["3", "75", ""]
    enquete_oui = next(line for line in aggregates if line[0] == "enquete" and line[4] == "Oui")
    assert enquete_oui[5:10] == ["1", "50", "33,3", "2", "3"]
    xlsx = client.get(url, {"format": "xlsx"})
    workbook = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert workbook.sheetnames == ["Réponses", "Dictionnaire", "Agrégats", "Enquête"]
    sheet_rows = list(workbook["Réponses"].iter_rows(values_only=True))
    assert len(sheet_rows) == 5 and list(sheet_rows[0]) == header
    # A coordinator's export keeps their départements.
    coordinator = client_acting_as(poitiers.coordinator)
    _, *theirs = _csv_rows(coordinator.get(url, {"format": "csv"}).content)
    assert len(theirs) == 2
    assert client.get(url, {"format": "pdf"}).status_code == 400


def test_a_typed_formula_is_exported_as_text(worlds):
    poitiers, _ = worlds
    campaign = open_campaign(poitiers, make_survey(poitiers))
    respond(invite(campaign), {"projet": '=HYPERLINK("http://x")'})
    client = client_acting_as(poitiers.dane_admin)
    content = client.get(
        reverse("surveys:results_export", args=[campaign.pk]), {"format": "csv"}
    ).content
    assert "'=HYPERLINK" in content.decode()


def _bigger_definition(extra: int) -> dict:
    definition = every_kind()
    definition["pages"].append(
        {
            "title": "Encore",
            "questions": [
                {
                    "key": f"extra-{n}",
                    "kind": "single" if n % 2 else "yes_no",
                    "label": f"Question supplémentaire {n}",
                    "options": [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}],
                    **(
                        {"shown_if": {"question": "pilotage", "options": ["oui"]}}
                        if n % 3 == 0
                        else {}
                    ),
                }
                for n in range(extra)
            ],
        }
    )
    return definition


def _fill(campaign: Campaign, n: int) -> None:
    for i in range(n):
        respond(
            invite(campaign, type="college" if i % 2 else "lgt"),
            {
                "pilotage": "oui" if i % 2 else "non",
                "information": ["courriel", ("autre", f"Texte {i}")],
                "ressources": {"pix": "connue"},
                "ateliers": i,
                "projet": f"Projet {i}",
                "taches": [(f"t{i % 4}", f"Tâche {i % 4}", "faite", f"Commentaire {i}")],
            },
        )


def _queries(client, url: str, **query: str) -> int:
    client.get(url, query)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
    assert response.status_code == 200
    return len(queries)


def test_results_and_exports_query_counts_do_not_grow_with_responses_or_questions(worlds):
    poitiers, _ = worlds
    small = open_campaign(poitiers, make_survey(poitiers))
    _fill(small, 3)
    large = open_campaign(
        poitiers, make_survey(poitiers, _bigger_definition(25), audience=Audience.PRINCIPALS)
    )
    _fill(large, 40)
    client = client_acting_as(poitiers.dane_admin)
    for name, query in (
        ("surveys:results", {}),
        ("surveys:results", {"type": "college"}),
        ("surveys:campaign", {}),
        ("surveys:results_export", {"format": "csv"}),
        ("surveys:results_export", {"format": "csv", "tableau": "agregats"}),
        ("surveys:results_export", {"format": "xlsx"}),
    ):
        counts = [
            _queries(client, reverse(name, args=[campaign.pk]), **query)
            for campaign in (small, large)
        ]
        assert counts[0] == counts[1], (name, query, counts)
    assert _queries(client, reverse("surveys:campaigns")) == _queries(
        client, reverse("surveys:campaigns")
    )
    assert SurveyInvitation.objects.filter(campaign=large).count() == 41


def test_the_campaigns_list_query_count_is_constant(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    open_campaign(poitiers, make_survey(poitiers))
    one = _queries(client, reverse("surveys:campaigns"))
    from establishments.models import SchoolYear

    last_year, _ = SchoolYear.objects.get_or_create(
        start_year=SchoolYear.objects.current().start_year - 1
    )
    open_campaign(poitiers, make_survey(poitiers, school_year=last_year))
    open_campaign(poitiers, make_survey(poitiers, audience=Audience.PRINCIPALS))
    assert _queries(client, reverse("surveys:campaigns")) == one
