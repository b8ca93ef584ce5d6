"""Benchmark of a campaign's results page and exports: 1 000 responses to a 50-question survey.

    .venv/bin/python bench/survey_results.py [--reponses 1000] [--questions 50] [--rendus 10]

Runs in a throw-away test database (in memory with the default SQLite settings; a `test_…`
database with DATABASE_URL, e.g. PostgreSQL), never in the development one. Builds an académie
with one establishment per response, a published survey of N questions of every kind (a tenth
of them conditional, grids of six rows, a « tasks of my letter » question of eight tasks), its
campaign and the submitted responses with their answers (bulk inserts), then requests each page
through the test client as the DANE admin (and the results as a coordinator of one
département) and prints the SQL query count, the median and 90th percentile times, and the size.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rupn.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from tenancy.guard import scopes_disabled  # noqa: E402

KINDS = ["yes_no", "single", "multiple", "scale", "grid", "number", "short_text", "long_text"]


def definition(count: int) -> dict[str, Any]:
    questions: list[dict[str, Any]] = [
        {"key": "taches", "kind": "letter_tasks", "label": "Les tâches de ma lettre"}
    ]
    for n in range(1, count):
        kind = KINDS[n % len(KINDS)]
        q: dict[str, Any] = {"key": f"q{n}", "kind": kind, "label": f"Question {n} ({kind})"}
        if kind in ("single", "multiple"):
            q["options"] = [{"key": f"o{i}", "label": f"Choix {i}"} for i in range(5)] + [
                {"key": "autre", "label": "Autre", "is_other": True}
            ]
        elif kind == "scale":
            q["options"] = [
                {"key": k, "label": k.capitalize()} for k in ("jamais", "parfois", "souvent")
            ]
        elif kind == "grid":
            q["rows"] = [{"key": f"r{i}", "label": f"Ressource {i}"} for i in range(6)]
            q["options"] = [
                {"key": k, "label": k.capitalize()} for k in ("utilisee", "connue", "inconnue")
            ]
        elif kind == "number":
            q["min"], q["max"] = 0, 100
        if n % 10 == 9:  # a tenth are shown after « oui » to the first yes/no question
            q["shown_if"] = {"question": "q8", "options": ["oui"]}
        questions.append(q)
    # q8 is yes/no: conditions must follow it.
    for q in questions:
        if "shown_if" in q and int(q["key"][1:]) <= 8:
            del q["shown_if"]
    pages = [
        {"title": f"Page {p + 1}", "questions": questions[p * 10 : (p + 1) * 10]}
        for p in range((len(questions) + 9) // 10)
    ]
    return {"title": "Bilan du RUPN (mesure)", "pages": pages}


def build(responses: int, questions: int) -> dict[str, Any]:
    from django.utils import timezone

    from accounts.models import Role, User
    from accounts.services import membership_grant
    from establishments.models import Establishment, EstablishmentType, SchoolYear, Sector
    from establishments.uai import make_uai
    from surveys.models import (
        Answer,
        OptionRole,
        Question,
        QuestionKind,
        QuestionOption,
        SurveyInvitation,
        SurveyResponse,
    )
    from surveys.services import survey_create, survey_publish
    from surveys.services_campaigns import campaign_create
    from tenancy.scope import Scope
    from tests.factories import POITIERS_DEPARTEMENTS, make_academie, make_user

    academie = make_academie(name="Poitiers", code="13", departements=POITIERS_DEPARTEMENTS)
    make_academie(name="Bordeaux", code="04", departements={"33": "Gironde"})
    year = SchoolYear.objects.current()
    platform = Scope.platform(academie.pk)
    admin = membership_grant(
        academie=academie, user=make_user("dane@bench.test"), role=Role.DANE_ADMIN, actor=platform
    )
    deps = list(academie.departements.order_by("code"))
    coordinator = membership_grant(
        academie=academie,
        user=make_user("coord@bench.test"),
        role=Role.DANE_COORDINATOR,
        actor=platform,
        departements=deps[:1],
    )
    actor = Scope.platform(academie.pk, user_id=admin.user_id)
    survey = survey_create(
        actor=actor, school_year=year, audience="rupn", definition=definition(questions)
    )
    survey = survey_publish(survey=survey, actor=actor)
    now = timezone.now()
    campaign = campaign_create(
        actor=actor,
        survey=survey,
        opens_at=now,
        closes_at=now + datetime.timedelta(days=30),
        reminder_every_days=7,
    )
    types = [EstablishmentType.COLLEGE] * 6 + [
        EstablishmentType.LGT,
        EstablishmentType.LP,
        EstablishmentType.LPO,
        EstablishmentType.EREA,
    ]
    Establishment.objects.bulk_create(
        Establishment(
            academie=academie,
            uai=make_uai(f"{int(deps[i % len(deps)].code):03d}", 1000 + i),
            name=f"Établissement n° {i}",
            type=types[i % len(types)],
            sector=Sector.PUBLIC,
            departement=deps[i % len(deps)],
            commune=f"Commune {i % 97}",
        )
        for i in range(responses)
    )
    establishments = list(Establishment.objects.filter(academie=academie).order_by("uai"))
    User.objects.bulk_create(
        User(email=f"rupn{i}@bench.test", first_name=f"Prénom{i}", last_name=f"Nom{i}")
        for i in range(responses)
    )
    users = list(User.objects.filter(email__startswith="rupn").order_by("pk"))
    SurveyInvitation.objects.bulk_create(
        SurveyInvitation(
            academie=academie, campaign=campaign, user=u, establishment=e, email_sent_at=now
        )
        for u, e in zip(users, establishments, strict=True)
    )
    invitations = list(SurveyInvitation.objects.filter(campaign=campaign).order_by("pk"))
    SurveyResponse.objects.bulk_create(
        SurveyResponse(
            academie=academie,
            campaign=campaign,
            invitation=i,
            establishment_id=i.establishment_id,
            submitted_at=now,
        )
        for i in invitations
    )
    saved = list(SurveyResponse.objects.filter(campaign=campaign).order_by("pk"))
    question_rows = list(
        Question.objects.filter(survey=survey).order_by("page__position", "position")
    )
    options: dict[int, list[QuestionOption]] = {}
    rows: dict[int, list[QuestionOption]] = {}
    for o in QuestionOption.objects.filter(question__survey=survey).order_by("position"):
        (rows if o.role == OptionRole.ROW else options).setdefault(o.question_id, []).append(o)
    answers: list[Answer] = []
    total = 0

    def add(**fields: Any) -> None:
        nonlocal total
        answers.append(Answer(academie=academie, **fields))
        if len(answers) >= 5000:
            total += len(Answer.objects.bulk_create(answers))
            answers.clear()

    for n, response in enumerate(saved):
        yes = n % 3 != 0
        for q in question_rows:
            if q.shown_if_question_id and not yes:
                continue
            choices = options.get(q.pk, [])
            pick = choices[(n + q.position) % len(choices)] if choices else None
            if q.kind == QuestionKind.YES_NO:
                add(response=response, question=q, option=choices[0 if yes else 1])
            elif q.kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
                add(
                    response=response,
                    question=q,
                    option=pick,
                    text="Précision" if pick and pick.is_other else "",
                )
            elif q.kind == QuestionKind.MULTIPLE:
                for k, option in enumerate(choices):
                    if (n + k) % 3 == 0:
                        add(
                            response=response,
                            question=q,
                            option=option,
                            text=f"Autre {n}" if option.is_other else "",
                        )
            elif q.kind == QuestionKind.GRID:
                for k, row in enumerate(rows.get(q.pk, [])):
                    add(
                        response=response,
                        question=q,
                        row=row,
                        option=choices[(n + k) % len(choices)],
                    )
            elif q.kind == QuestionKind.NUMBER:
                add(response=response, question=q, number=Decimal(n % 37))
            elif q.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
                if n % 4 == 0:
                    add(response=response, question=q, text=f"Réponse libre {n} à {q.key}")
            elif q.kind == QuestionKind.LETTER_TASKS:
                for t in range(8):
                    add(
                        response=response,
                        question=q,
                        task_key=f"t{t}",
                        task_label=f"Tâche {t} de la lettre",
                        option=choices[(n + t) % len(choices)],
                        text="Commentaire" if t == 0 and n % 5 == 0 else "",
                    )
    if answers:
        total += len(Answer.objects.bulk_create(answers))
    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum keeps them after a campaign's weeks of answers (right
        # after bulk inserts the planner would believe the tables empty).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "admin": admin,
        "coordinator": coordinator,
        "campaign": campaign,
        "responses": len(saved),
        "questions": len(question_rows),
        "answers": total,
    }


def measure(client, url: str, rounds: int) -> tuple[int, list[float], int]:  # type: ignore[no-untyped-def]
    client.get(url)  # warm up: session, current school year, template cache
    times = []
    queries = 0
    size = 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        queries = len(captured.captured_queries)
        size = len(response.content)
    return queries, times, size


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(responses: int, questions: int, rounds: int) -> None:
    from django.urls import reverse

    from tests.conftest import client_acting_as

    start = time.perf_counter()
    data = build(responses, questions)
    built = time.perf_counter() - start
    pk = data["campaign"].pk
    print(
        f"Résultats d’enquête – base {connection.vendor}, {data['responses']} réponses envoyées, "
        f"{data['questions']} questions, {data['answers']} lignes de réponse "
        f"(données créées en {built:.1f} s)"
    )
    print(f"{'page':<46}{'requêtes':>9}{'médiane ms':>12}{'p90 ms':>9}{'Ko':>8}")
    results = reverse("surveys:results", args=[pk])
    export = reverse("surveys:results_export", args=[pk])
    pages = [
        ("campagne (administrateur DANE)", data["admin"], reverse("surveys:campaign", args=[pk])),
        ("résultats (administrateur DANE)", data["admin"], results),
        ("résultats filtrés (collèges)", data["admin"], results + "?type=college"),
        ("résultats (coordonnateur, 1 département)", data["coordinator"], results),
        ("export CSV des réponses", data["admin"], export + "?format=csv&tableau=reponses"),
        ("export CSV agrégé", data["admin"], export + "?format=csv&tableau=agregats"),
        ("export XLSX (3 feuilles)", data["admin"], export + "?format=xlsx"),
    ]
    for label, member, url in pages:
        queries, times, size = measure(client_acting_as(member), url, rounds)
        print(
            f"{label:<46}{queries:>9}{statistics.median(times) * 1000:>12.0f}"
            f"{percentile(times, 0.9) * 1000:>9.0f}{size / 1024:>8.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reponses", type=int, default=1000, help="réponses envoyées (1000)")
    parser.add_argument("--questions", type=int, default=50, help="questions (50)")
    parser.add_argument("--rendus", type=int, default=10, help="rendus mesurés par page (10)")
    options = parser.parse_args()

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        # The benchmark builds its académie directly: the guard is off for that, and the pages
        # it measures open their scope in the middleware as in production.
        with scopes_disabled():
            run(options.reponses, options.questions, options.rendus)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
