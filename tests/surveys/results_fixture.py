"""A small campaign whose results are computed by hand in `test_results.py`.

Poitiers' bilan (`every_kind()`), invited: the world's referent (Collège Jean Moulin, 16) who
never answers, and six more people:

- r1, collège of Charente (16), submitted: pilotage oui, enquete oui, information courriel +
  ent, assistance oui, tablette parfois, ressources éduthèque utilisée / pix connue, ateliers 4,
  projet « Robotique au CDI », tasks t1 faite (comment « Deux sessions ») / t2 en partie;
- r2, collège (16), submitted: oui, non, courriel, non, jamais, connue / connue, 2, tasks t1
  faite / t2 non faite;
- r3, lycée général et technologique of Vienne (86), submitted: pilotage non (enquete hidden),
  information autre « Affichage en salle des professeurs », oui, souvent, éduthèque utilisée
  (pix unanswered), 0, demandes « Plus de tablettes », tasks t1 faite / t2 faite;
- r4, lycée (86), submitted: pilotage oui, enquete unanswered, tablette parfois, task t1 pas
  commencée, nothing else;
- r5, collège (16), in progress (not submitted): pilotage oui, enquete oui;
- r6, collège of Deux-Sèvres (79): invited, never started.

Bordeaux has a submitted response of its own (pilotage: oui), never counted in Poitiers.
"""

from __future__ import annotations

from dataclasses import dataclass

from establishments.models import EstablishmentType
from surveys.models import Campaign, SurveyInvitation
from tests.factories import AcademieWorld
from tests.surveys.definitions import make_survey
from tests.surveys.responses import invite, open_campaign, respond

T1 = ("t1", "Animer la formation au numérique")
T2 = ("t2", "Administrer l’ENT")


@dataclass
class Fixture:
    campaign: Campaign
    people: dict[str, SurveyInvitation]


def build(poitiers: AcademieWorld, bordeaux: AcademieWorld) -> Fixture:
    campaign = open_campaign(poitiers, make_survey(poitiers))
    deps = {d.code: d for d in poitiers.academie.departements.all()}
    college, lycee = EstablishmentType.COLLEGE, EstablishmentType.LGT
    people = {
        "r1": invite(campaign, type=college, departement=deps["16"]),
        "r2": invite(campaign, type=college, departement=deps["16"]),
        "r3": invite(campaign, type=lycee, departement=deps["86"]),
        "r4": invite(campaign, type=lycee, departement=deps["86"]),
        "r5": invite(campaign, type=college, departement=deps["16"]),
        "r6": invite(campaign, type=college, departement=deps["79"]),
    }
    respond(
        people["r1"],
        {
            "pilotage": "oui",
            "enquete": "oui",
            "information": ["courriel", "ent"],
            "assistance": "oui",
            "tablette": "parfois",
            "ressources": {"eduthèque": "utilisee", "pix": "connue"},
            "ateliers": 4,
            "projet": "Robotique au CDI",
            "taches": [(*T1, "faite", "Deux sessions"), (*T2, "en-partie", "")],
        },
    )
    respond(
        people["r2"],
        {
            "pilotage": "oui",
            "enquete": "non",
            "information": ["courriel"],
            "assistance": "non",
            "tablette": "jamais",
            "ressources": {"eduthèque": "connue", "pix": "connue"},
            "ateliers": 2,
            "taches": [(*T1, "faite", ""), (*T2, "non-faite", "")],
        },
    )
    respond(
        people["r3"],
        {
            "pilotage": "non",
            "information": [("autre", "Affichage en salle des professeurs")],
            "assistance": "oui",
            "tablette": "souvent",
            "ressources": {"eduthèque": "utilisee"},
            "ateliers": 0,
            "demandes": "Plus de tablettes",
            "taches": [(*T1, "faite", ""), (*T2, "faite", "")],
        },
    )
    respond(
        people["r4"],
        {"pilotage": "oui", "tablette": "parfois", "taches": [(*T1, "pas-commencee", "")]},
    )
    respond(people["r5"], {"pilotage": "oui", "enquete": "oui"}, submitted=False)
    other = open_campaign(bordeaux, make_survey(bordeaux))
    respond(invite(other), {"pilotage": "oui", "tablette": "souvent"})
    return Fixture(campaign=campaign, people=people)
