"""Benchmark of the mission letters: the principal's pages, and the workflow through the services.

    .venv/bin/python bench/letters.py [--lettres 2000] [--rendus 20]

Runs in a throw-away test database (in memory with the default SQLite settings; a `test_…`
database with DATABASE_URL — PostgreSQL is where the figures matter), never in the development
one. Prints:

1. for the principal's letters page of an establishment and for the letter editor, with 1 and
   with 3 referents on a template of 30 tasks: the SQL query count (the same whatever the
   number of referents and tasks) and the median and 95th percentile server times;
2. the time to create, send, sign (referent, principal) and issue N letters through the
   services, as the people would, and the letters per second of each step and of the whole.
"""

from __future__ import annotations

import argparse
import logging
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

TASKS = 30


def thirty_task_template() -> Any:
    """Bordeaux's template grown to 30 tasks over three sections."""
    from dataclasses import replace

    from missions.demo import BORDEAUX
    from missions.services_templates import TaskData

    sections = []
    counter = 0
    for section in BORDEAUX.sections:
        if section.kind == "tasks" and counter < TASKS:
            tasks = [
                TaskData(
                    f"Tâche {counter + n + 1} : {section.title.lower()}", key=f"t{counter + n}"
                )
                for n in range(10)
            ]
            counter += len(tasks)
            section = replace(section, tasks=tasks)
        elif section.kind == "tasks":
            section = replace(section, tasks=[], allows_own_tasks=True)
        sections.append(section)
    return replace(BORDEAUX, sections=sections, requires_dan_visa=True)


def build_world() -> Any:
    from tests.factories import BORDEAUX_DEPARTEMENTS, POITIERS_DEPARTEMENTS, make_world

    poitiers = make_world(name="Poitiers", code="13", departements=POITIERS_DEPARTEMENTS)
    make_world(name="Bordeaux", code="04", departements=BORDEAUX_DEPARTEMENTS)
    return poitiers


def publish(world: Any) -> None:
    from accounts.scopes import scope_for
    from establishments.models import SchoolYear
    from missions.services_templates import template_create, template_publish

    admin = scope_for(world.dane_admin)
    template = template_create(
        academie=world.academie,
        school_year=SchoolYear.objects.current(),
        data=thirty_task_template(),
        actor=admin,
    )
    template_publish(template=template, actor=admin)


def measure(client: Any, url: str, rounds: int) -> tuple[int, list[float]]:
    client.get(url)  # warm up: session, current school year, template cache
    times = []
    queries = 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured.captured_queries)
    return queries, times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def pages(rounds: int) -> None:
    from django.urls import reverse

    from establishments.models import SchoolYear
    from tests.conftest import client_acting_as
    from tests.indemnities.allocations.conftest import add_referent
    from tests.missions.letters import draft_letter, give_rules

    world = build_world()
    give_rules(world)
    publish(world)
    year = SchoolYear.objects.current()
    print(f"Pages du chef d’établissement – base {connection.vendor}, trame de {TASKS} tâches")
    print(f"{'page':<44}{'requêtes':>9}{'médiane ms':>12}{'p95 ms':>9}")
    referents = [world.rupn]
    letters = [draft_letter(world, referent=world.rupn, amount=Decimal("625.00"))]
    for count in (1, 3):
        while len(referents) < count:
            n = len(referents)
            referent = add_referent(world.establishment, f"co{n}@bench.test", last_name=f"Co{n}")
            referents.append(referent)
            letters.append(draft_letter(world, referent=referent, amount=Decimal("312.50")))
        client = client_acting_as(world.principal)
        page = reverse(
            "missions:establishment_letters",
            kwargs={"establishment_pk": world.establishment.pk, "start_year": year.start_year},
        )
        editor = reverse("missions:letter_edit", args=[letters[0].pk])
        letter = reverse("missions:letter", args=[letters[0].pk])
        for label, url in (
            (f"lettres de l’établissement, {count} référent(s)", page),
            (f"éditeur de lettre, {count} référent(s)", editor),
            (f"page de la lettre, {count} référent(s)", letter),
        ):
            queries, times = measure(client, url, rounds)
            print(
                f"{label:<44}{queries:>9}{statistics.median(times) * 1000:>12.1f}"
                f"{percentile(times, 0.95) * 1000:>9.1f}"
            )


def workflow(count: int) -> None:
    """N letters along the whole workflow, each step through its service, as its person."""
    from accounts.models import Membership, Role, User
    from accounts.scopes import scope_for
    from establishments.models import Establishment, SchoolYear
    from establishments.uai import make_uai
    from missions.services_letters import letter_create, letter_transition, letter_update
    from tests.missions.letters import SIGNING, give_rules, with_free_texts

    world = build_world()
    give_rules(world)
    publish(world)
    year = SchoolYear.objects.current()
    academie = world.academie
    departement = academie.departements.order_by("code").first()
    # Establishments of two referents each, their principals, with bulk inserts.
    schools = count // 2 + count % 2
    Establishment.objects.bulk_create(
        Establishment(
            academie=academie,
            uai=make_uai(f"{int(departement.code):03d}", 6000 + i),
            name=f"Collège n° {i}",
            type="college",
            sector="public",
            departement=departement,
            commune="Commune",
        )
        for i in range(schools)
    )
    establishments = list(
        Establishment.objects.filter(academie=academie, name__startswith="Collège n° ").order_by(
            "uai"
        )
    )
    User.objects.bulk_create(
        [User(email=f"chef{i}@bench.test", last_name=f"Chef{i}") for i in range(schools)]
        + [User(email=f"rupn{i}@bench.test", last_name=f"Rupn{i}") for i in range(count)]
    )
    users = {u.email: u for u in User.objects.filter(email__endswith="@bench.test")}
    Membership.objects.bulk_create(
        [
            Membership(user=users[f"chef{i}@bench.test"], academie=academie, role=Role.PRINCIPAL)
            for i in range(schools)
        ]
        + [
            Membership(
                user=users[f"rupn{i}@bench.test"],
                academie=academie,
                role=Role.RUPN,
                school_year=year,
            )
            for i in range(count)
        ]
    )
    memberships = {
        m.user.email: m
        for m in Membership.objects.filter(user__email__endswith="@bench.test").select_related(
            "user"
        )
    }
    through = Membership.establishments.through
    through.objects.bulk_create(
        [
            through(membership_id=memberships[f"chef{i}@bench.test"].pk, establishment_id=e.pk)
            for i, e in enumerate(establishments)
        ]
        + [
            through(
                membership_id=memberships[f"rupn{i}@bench.test"].pk,
                establishment_id=establishments[i // 2].pk,
            )
            for i in range(count)
        ]
    )
    admin = scope_for(world.dane_admin)
    pairs = [
        (
            establishments[i // 2],
            memberships[f"rupn{i}@bench.test"],
            scope_for(memberships[f"chef{i // 2}@bench.test"]),
        )
        for i in range(count)
    ]
    steps: dict[str, float] = {}

    def timed(step: str, work: Any) -> list[Any]:
        start = time.perf_counter()
        results = [work(i) for i in range(count)]
        steps[step] = time.perf_counter() - start
        return results

    letters = timed(
        "créer et rédiger",
        lambda i: (
            lambda letter: letter_update(
                letter=letter,
                content=with_free_texts(letter),
                revision=letter.revision,
                actor=pairs[i][2],
            )
        )(
            letter_create(
                establishment=pairs[i][0], school_year=year, referent=pairs[i][1], actor=pairs[i][2]
            )
        ),
    )
    letters = timed(
        "envoyer",
        lambda i: letter_transition(letter=letters[i], name="send", actor=pairs[i][2]),
    )
    referent_scopes = [scope_for(pairs[i][1]) for i in range(count)]
    letters = timed(
        "signature du référent",
        lambda i: letter_transition(
            letter=letters[i], name="sign_referent", actor=referent_scopes[i], signing=SIGNING
        ),
    )
    letters = timed(
        "signature du chef d’établissement",
        lambda i: letter_transition(
            letter=letters[i], name="sign_principal", actor=pairs[i][2], signing=SIGNING
        ),
    )
    letters = timed(
        "visa du DAN (émission)",
        lambda i: letter_transition(letter=letters[i], name="visa", actor=admin, signing=SIGNING),
    )
    assert all(letter.status == "issued" for letter in letters)
    total = sum(steps.values())
    print()
    from django.conf import settings

    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    emails = "courriels envoyés sur place, compris" if eager else "courriels laissés au worker"
    print(f"Parcours de {count} lettres par les services – base {connection.vendor} ({emails})")
    print(f"{'étape':<40}{'secondes':>10}{'lettres/s':>11}")
    for step, seconds in steps.items():
        print(f"{step:<40}{seconds:>10.2f}{count / seconds:>11.0f}")
    print(f"{'tout le parcours':<40}{total:>10.2f}{count / total:>11.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lettres", type=int, default=2000, help="lettres du parcours (2000)")
    parser.add_argument("--rendus", type=int, default=20, help="rendus mesurés par page (20)")
    options = parser.parse_args()

    # One line per email task would drown the figures.
    logging.getLogger("celery").setLevel(logging.WARNING)
    setup_test_environment()
    # The benchmark builds its académies directly: the guard is off for that, and the pages it
    # measures open their scope in the middleware as in production. Each part gets a new
    # test database, so that the second one does not count the first one's rows.
    original = connection.settings_dict["NAME"]
    for part in (lambda: pages(options.rendus), lambda: workflow(options.lettres)):
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with scopes_disabled():
                part()
        finally:
            connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
