"""Builders for the tests of the direction's referents and letters pages."""

from __future__ import annotations

from dataclasses import replace

from accounts.scopes import scope_for
from establishments.models import Establishment, PupilCount, SchoolYear
from missions.content import ChosenTask, LetterContent
from missions.demo import POITIERS
from missions.models import Letter, LetterTemplate
from missions.services_letters import letter_create, letter_update
from missions.services_templates import SectionData, TaskData, template_create, template_publish
from tests.factories import AcademieWorld
from tests.missions.letters import give_rules, publish_template


def previous_year() -> SchoolYear:
    current = SchoolYear.objects.current()
    year, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 1)
    return year


def set_pupils(establishment: Establishment, school_year: SchoolYear, pupils: int) -> None:
    PupilCount.objects.update_or_create(
        academie_id=establishment.academie_id,
        establishment=establishment,
        school_year=school_year,
        defaults={"pupils": pupils, "source": "test"},
    )


def last_year_world(world: AcademieWorld) -> SchoolYear:
    """Last year's template, rules and pupils for the world's collège."""
    year = previous_year()
    publish_template(world, school_year=year)
    give_rules(world, school_year=year)
    set_pupils(world.establishment, year, 300)
    return year


def old_letter(
    world: AcademieWorld, referent, school_year: SchoolYear, *, extra: str = ""
) -> Letter:
    """A letter of `school_year`, with an own-less task that no longer exists when `extra`."""
    principal = scope_for(world.principal)
    letter = letter_create(
        establishment=world.establishment,
        school_year=school_year,
        referent=referent,
        actor=principal,
    )
    content = LetterContent.of(letter.content)
    tasks = list(content.tasks)
    if extra:
        tasks.append(ChosenTask(section=1, key="tache-disparue", label=extra))
    return letter_update(
        letter=letter,
        content=replace(content, tasks=tuple(tasks), texts={3: "Le site web du collège."}),
        revision=letter.revision,
        actor=principal,
    )


def big_template(world: AcademieWorld, *, tasks: int = 30) -> LetterTemplate:
    """A template of `tasks` tasks in three sections, the last one open to own tasks."""
    per = tasks // 3
    sections = [
        SectionData(
            kind="tasks",
            title=f"{n}. Section {n}",
            body="L’enseignant RUPN :",
            allows_own_tasks=n == 3,
            tasks=[TaskData(f"tâche {n}.{i}", key=f"t-{n}-{i}") for i in range(per)],
        )
        for n in (1, 2, 3)
    ]
    data = replace(POITIERS, sections=[*sections, POITIERS.sections[2]])
    admin = scope_for(world.dane_admin)
    template = template_create(
        academie=world.academie, school_year=SchoolYear.objects.current(), data=data, actor=admin
    )
    return template_publish(template=template, actor=admin)
