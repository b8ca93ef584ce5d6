"""Small survey definitions for tests: every question kind, a conditional follow-up."""

from __future__ import annotations

from typing import Any

from accounts.scopes import scope_for
from establishments.models import SchoolYear
from surveys.definition import Definition
from surveys.models import Audience, Survey
from surveys.services import survey_create
from tests.factories import AcademieWorld


def every_kind() -> Definition:
    """Two pages, one question of each kind, one shown only after « oui » to `pilotage`."""
    return {
        "title": "Bilan du RUPN",
        "introduction": "Votre année de référent.",
        "pages": [
            {
                "title": "Vos missions",
                "questions": [
                    {"key": "taches", "kind": "letter_tasks", "label": "Les tâches de ma lettre"},
                    {
                        "key": "pilotage",
                        "kind": "yes_no",
                        "label": "Avez-vous participé au pilotage du projet numérique ?",
                        "required": True,
                    },
                    {
                        "key": "enquete",
                        "kind": "yes_no",
                        "label": "Avez-vous mené une enquête auprès des enseignants ?",
                        "required": True,
                        "shown_if": {"question": "pilotage", "options": ["oui"]},
                    },
                    {
                        "key": "information",
                        "kind": "multiple",
                        "label": "Comment avez-vous informé vos collègues ?",
                        "options": [
                            {"key": "courriel", "label": "Courriel"},
                            {"key": "ent", "label": "ENT"},
                            {"key": "autre", "label": "Autre", "is_other": True},
                        ],
                    },
                ],
            },
            {
                "title": "Usages",
                "questions": [
                    {
                        "key": "assistance",
                        "kind": "single",
                        "label": "L’assistance est-elle suffisante ?",
                        "options": [
                            {"key": "oui", "label": "Oui"},
                            {"key": "non", "label": "Non"},
                        ],
                    },
                    {
                        "key": "tablette",
                        "kind": "scale",
                        "label": "Utilisez-vous une tablette en classe ?",
                        "options": [
                            {"key": "jamais", "label": "Jamais"},
                            {"key": "parfois", "label": "Parfois"},
                            {"key": "souvent", "label": "Souvent"},
                        ],
                    },
                    {
                        "key": "ressources",
                        "kind": "grid",
                        "label": "Ces ressources",
                        "rows": [
                            {"key": "eduthèque", "label": "Éduthèque"},
                            {"key": "pix", "label": "Pix"},
                        ],
                        "options": [
                            {"key": "utilisee", "label": "Utilisée"},
                            {"key": "connue", "label": "Connue"},
                            {"key": "inconnue", "label": "Inconnue"},
                        ],
                    },
                    {
                        "key": "ateliers",
                        "kind": "number",
                        "label": "Combien de mini-ateliers ?",
                        "min": 0,
                        "max": 50,
                    },
                    {"key": "projet", "kind": "short_text", "label": "Votre projet"},
                    {"key": "demandes", "kind": "long_text", "label": "Vos demandes au rectorat"},
                ],
            },
        ],
    }


def make_survey(
    world: AcademieWorld,
    definition: Definition | None = None,
    *,
    audience: str = Audience.RUPN,
    school_year: SchoolYear | None = None,
    **extra: Any,
) -> Survey:
    return survey_create(
        actor=scope_for(world.dane_admin),
        school_year=school_year or SchoolYear.objects.current(),
        audience=audience,
        definition=definition or every_kind(),
        **extra,
    )
