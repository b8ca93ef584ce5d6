"""Demo templates: Poitiers with the académie's letter (seed `003`), Bordeaux with one built on
the four functions of its guide (seed `001`), so that the two académies' letters differ."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import Membership, Role
from accounts.scopes import scope_for
from establishments.models import Academie, SchoolYear
from missions.models import LetterTemplate
from missions.services_templates import (
    SectionData,
    TaskData,
    TemplateData,
    template_create,
    template_publish,
)
from tenancy.scope import Scope

INTRODUCTION = (
    "{referent} se voit confier pour l’année scolaire {annee} la mission de référent pour les "
    "usages pédagogiques du numérique (RUPN) dans l’établissement {etablissement}."
)
DECREE = (
    "Décret n° 2010-1065 du 8 septembre 2010 instituant une indemnité pour fonctions d’intérêt "
    "collectif (JORF n° 0209 du 9 septembre 2010). Les personnels enseignants, titulaires et "
    "non titulaires, accomplissant l’intégralité de leurs obligations de service dans les "
    "collèges, les lycées et les établissements d’éducation spéciale, peuvent bénéficier d’une "
    "indemnité pour fonctions d’intérêt collectif dans les conditions fixées par le décret."
)

POITIERS = TemplateData(
    title="Lettre de mission – Enseignant référent pour les usages pédagogiques du numérique",
    introduction=INTRODUCTION,
    indemnity_clause=(
        "Le chef d’établissement attribue à {referent} une indemnité pour mission particulière "
        "de {montant} pour l’exercice de cette mission. Cette rémunération sera versée en une "
        "seule fois en fin d’année scolaire."
    ),
    requires_dan_visa=True,
    sections=[
        SectionData(
            kind="tasks",
            title="1. Développer et faciliter l’utilisation pédagogique du numérique au service "
            "des apprentissages",
            body="L’enseignant RUPN :",
            tasks=[
                TaskData(
                    "accompagne les enseignants dans les usages du numérique au service des "
                    "apprentissages",
                    key="accompagner-enseignants",
                ),
                TaskData(
                    "favorise l’émergence et aide à l’élaboration de projets pédagogiques "
                    "intégrant des usages du numérique",
                    key="projets-pedagogiques",
                ),
                TaskData(
                    "veille à la bonne diffusion auprès des enseignants de l’information sur "
                    "les usages du numérique",
                    key="diffuser-information",
                ),
                TaskData(
                    "aide à la prise en compte de leurs besoins de formation",
                    key="besoins-formation",
                ),
            ],
        ),
        SectionData(
            kind="tasks",
            title="2. Assurer dans la durée un rôle de coordination, d’assistance et de conseil "
            "auprès de l’équipe de direction de l’établissement",
            body="Le RUPN :",
            tasks=[
                TaskData(
                    "aide au pilotage du numérique dans l’établissement ; aide à "
                    "l’élaboration du diagnostic des usages ; présente un bilan annuel des "
                    "actions mises en place",
                    key="pilotage",
                ),
                TaskData(
                    "aide et conseille le chef d’établissement et son équipe pour "
                    "l’organisation et la coordination des projets numériques",
                    key="conseil-direction",
                ),
                TaskData(
                    "participe à l’élaboration d’un catalogue évolutif et maîtrisé de "
                    "logiciels et manuels numériques",
                    key="catalogue-ressources",
                    checked_by_default=False,
                ),
                TaskData(
                    "assure pour le numérique l’interface avec l’environnement (académie, "
                    "collectivités, réseaux des référents)",
                    key="interface-environnement",
                ),
                TaskData(
                    "est référent pour la mise en œuvre des projets structurants : ENT, "
                    "organisation du système d’information",
                    key="projets-structurants",
                ),
            ],
        ),
        SectionData(
            kind="free_text",
            title="3. Participer ponctuellement à la mise en œuvre opérationnelle",
            body=(
                "Quelques exemples : administration fonctionnelle du réseau pédagogique local, "
                "des salles ou des laboratoires ; administration fonctionnelle et animation des "
                "sites web et des services en ligne ; communication autour des ressources "
                "numériques ; formation des élèves à un usage responsable d’internet et des "
                "médias numériques."
            ),
        ),
        SectionData(kind="annex", title="Annexe – décret n° 2010-1065", body=DECREE),
    ],
)

BORDEAUX = TemplateData(
    title="Lettre de mission du référent pour les usages pédagogiques du numérique",
    introduction=INTRODUCTION
    + " Ses domaines d’intervention ont été négociés avec le chef d’établissement.",
    indemnity_clause=(
        "Une indemnité pour mission particulière de {montant} est attribuée à {referent} pour "
        "{annee}, selon le décret n° 2015-475 et l’arrêté du 27 avril 2015."
    ),
    requires_dan_visa=False,
    sections=[
        SectionData(
            kind="tasks",
            title="Conseiller l’équipe de direction dans le pilotage du numérique",
            tasks=[
                TaskData(
                    "est membre de la commission numérique de l’établissement et l’anime",
                    key="commission-numerique",
                ),
                TaskData(
                    "conseille la direction sur la place du numérique dans le projet "
                    "d’établissement",
                    key="projet-etablissement",
                ),
                TaskData(
                    "met en œuvre la feuille de route académique pour le numérique",
                    key="feuille-de-route",
                ),
            ],
            allows_own_tasks=True,
        ),
        SectionData(
            kind="tasks",
            title="Accompagner les équipes pédagogiques",
            tasks=[
                TaskData(
                    "propose des réunions d’information et des actions de formation",
                    key="formation-equipes",
                ),
                TaskData(
                    "repère et fait remonter les pratiques remarquables",
                    key="pratiques-remarquables",
                ),
            ],
            allows_own_tasks=True,
        ),
        SectionData(
            kind="tasks",
            title="Administrer les services numériques",
            tasks=[
                TaskData("administre l’ENT et les ressources du GAR", key="ent-gar"),
                TaskData("accompagne la certification Pix", key="pix"),
                TaskData(
                    "veille au respect du RGPD dans les usages",
                    key="rgpd",
                    checked_by_default=False,
                ),
            ],
        ),
        SectionData(
            kind="tasks",
            title="Assurer le lien avec les équipes de l’équipement et de la maintenance",
            body="Selon le contexte local ; les missions restent avant tout pédagogiques.",
            tasks=[
                TaskData(
                    "fait le lien avec les techniciens de la collectivité",
                    key="lien-maintenance",
                    checked_by_default=False,
                ),
            ],
        ),
    ],
)


def load_demo_templates(*, academie: Academie, school_years: Iterable[SchoolYear]) -> None:
    """A published template for each year that has none; nothing when run again."""
    admin = (
        Membership.objects.active()
        .filter(academie=academie, role=Role.DANE_ADMIN)
        .order_by("pk")
        .first()
    )
    actor = scope_for(admin) if admin else Scope.platform(academie.pk)
    data = BORDEAUX if academie.code in {"04", "4"} else POITIERS
    for year in school_years:
        if LetterTemplate.objects.filter(academie=academie, school_year=year).exists():
            continue
        template = template_create(academie=academie, school_year=year, data=data, actor=actor)
        template_publish(template=template, actor=actor)
