"""A small campaign whose results are computed by hand in `test_results.py`.

Poitiers' bilan (`every_kind()`), invited: the world's referent (Collège Jean Moulin, 16) who
never answers, and six more people:

| who | establishment      | dép. | submitted | pilotage | enquete | information      | assistance | tablette | ressources (éduthèque, pix) | ateliers | tasks (t1, t2)              |
|-----|--------------------|------|-----------|----------|---------|------------------|------------|----------|-----------------------------|----------|-----------------------------|
| r1  | collège            | 16   | yes       | oui      | oui     | courriel, ent    | oui        | parfois  | utilisée, connue            | 4        | faite, en partie            |
| r2  | collège            | 16   | yes       | oui      | non     | courriel         | non        | jamais   | connue, connue              | 2        | faite, non faite            |
| r3  | lycée (LGT)        | 86   | yes       | non      | –       | autre: Affichage | oui        | souvent  | utilisée, –                 | 0        | faite, faite                |
| r4  | lycée (LGT)        | 86   | yes       | oui      | –       | –                | –          | parfois  | –                           | –        | pas commencée, –            |
| r5  | collège            | 16   | no        | oui      | oui     |                  |            |          |                             |          |                             |
| r6  | collège            | 79   | –  (invited, never started)                                                                                                            |

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
