"""Reads of the direction's letters page of one establishment and year: the referents with
their letter and amount, who does what, the people who may be designated.

A constant number of queries whatever the number of referents and tasks: the caller has
already reached the establishment through the scope (`establishments.access`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import Membership, User
from establishments.models import Establishment, SchoolYear
from indemnities.selectors_allocations import AllocationPage, allocation_page
from missions.content import LetterContent, sections_of
from missions.models import Letter, LetterTemplate, SectionKind
from missions.selectors import published_template_of
from missions.selectors_letters import latest_letters_of, templates_with_parts
from missions.services_referents import previous_year_of
from tenancy.scope import Scope

ZERO = Decimal("0.00")


@dataclass
class ReferentRow:
    membership: Membership
    letter: Letter | None
    amount: Decimal


@dataclass
class MatrixRow:
    label: str
    own: bool
    marks: list[bool]

    @property
    def nobody(self) -> bool:
        return not any(self.marks)


@dataclass
class MatrixGroup:
    title: str
    rows: list[MatrixRow] = field(default_factory=list)


@dataclass
class EstablishmentLetters:
    establishment: Establishment
    school_year: SchoolYear
    allocation: AllocationPage
    template: LetterTemplate | None  # the year's published template
    referents: list[ReferentRow]
    matrix_columns: list[ReferentRow]  # referents with a letter
    matrix: list[MatrixGroup]
    known_people: list[User]
    can_renew: bool
    previous_year: SchoolYear | None


def who_does_what(
    template: LetterTemplate | None, columns: list[tuple[Letter, LetterContent]]
) -> list[MatrixGroup]:
    """Rows of tasks (the template's, then the own tasks, by section), a mark per letter."""
    groups: list[MatrixGroup] = []
    placed: set[tuple[int, str]] = set()
    contents = [content for _, content in columns]
    keys = [content.keys() for content in contents]

    def row(label: str, key: str, own: bool) -> MatrixRow:
        return MatrixRow(label=label, own=own, marks=[key in k for k in keys])

    if template is not None:
        for section in sections_of(template):
            if section.kind != SectionKind.TASKS:
                continue
            group = MatrixGroup(title=section.title)
            for task in sorted(section.tasks.all(), key=lambda t: t.position):
                group.rows.append(row(task.label, task.key, False))
                placed.add((section.position, task.key))
            for content in contents:
                for chosen in content.tasks:
                    spot = (chosen.section, chosen.key)
                    if chosen.own and chosen.section == section.position and spot not in placed:
                        group.rows.append(row(chosen.label, chosen.key, True))
                        placed.add(spot)
            groups.append(group)
    # Tasks of an earlier version of the template, found nowhere in this one.
    placed_keys = {key for _, key in placed}
    others = MatrixGroup(title="Autres tâches")
    for content in contents:
        for chosen in content.tasks:
            if chosen.key in placed_keys:
                continue
            others.rows.append(row(chosen.label, chosen.key, chosen.own))
            placed_keys.add(chosen.key)
    if others.rows:
        groups.append(others)
    return groups


def establishment_letters(
    establishment: Establishment, school_year: SchoolYear, *, scope: Scope
) -> EstablishmentLetters:
    allocation = allocation_page(establishment, school_year, scope=scope)
    letters = {
        letter.referent_id: letter
        for letter in latest_letters_of(establishment, school_year)
        .select_related("referent__user", "template")
        .order_by("pk")
    }
    published = published_template_of(establishment.academie_id, school_year)
    template_ids = {letter.template_id for letter in letters.values()}
    if published is not None:
        template_ids.add(published.pk)
    templates = templates_with_parts(template_ids) if template_ids else {}
    referents = [
        ReferentRow(
            membership=line.referent, letter=letters.get(line.referent.pk), amount=line.amount
        )
        for line in allocation.lines
    ]
    columns = [row for row in referents if row.letter is not None]
    base = templates.get(published.pk) if published is not None else None
    if base is None and columns:
        latest = max(columns, key=lambda r: r.letter.template.version if r.letter else 0)
        assert latest.letter is not None
        base = templates[latest.letter.template_id]
    matrix = who_does_what(
        base,
        [(row.letter, LetterContent.of(row.letter.content)) for row in columns if row.letter],
    )
    designated = {row.membership.user_id for row in referents}
    known_people = list(
        User.objects.filter(
            is_active=True,
            memberships__academie_id=establishment.academie_id,
            memberships__establishments=establishment,
        )
        .exclude(pk__in=designated)
        .distinct()
        .order_by("last_name", "first_name", "email")
    )
    previous_year = previous_year_of(school_year)
    can_renew = (
        published is not None
        and not letters
        and previous_year is not None
        and latest_letters_of(establishment, previous_year).exists()
    )
    return EstablishmentLetters(
        establishment=establishment,
        school_year=school_year,
        allocation=allocation,
        template=base if published is not None else None,
        referents=referents,
        matrix_columns=columns,
        matrix=matrix,
        known_people=known_people,
        can_renew=can_renew,
        previous_year=previous_year,
    )
