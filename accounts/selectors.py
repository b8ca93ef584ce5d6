"""Reads of people for pages that show an establishment: who leads it and who its referents are.

The caller has already checked, through `establishments.access`, that the acting role may see
the establishment; these functions only gather its people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, prefetch_related_objects

from accounts.models import Membership, Role
from establishments.models import Departement, Establishment, SchoolYear

STAFF_ROLES = (Role.PRINCIPAL, Role.DEPUTY, Role.RUPN)


@dataclass
class EstablishmentPeople:
    """The active principal, deputies and RUPN of one establishment for one school year."""

    principals: list[Membership] = field(default_factory=list)
    deputies: list[Membership] = field(default_factory=list)
    referents: list[Membership] = field(default_factory=list)


def establishment_people(
    establishment: Establishment, school_year: SchoolYear
) -> EstablishmentPeople:
    """In one query: the direction (whatever the year) and the RUPN of `school_year`."""
    memberships = (
        Membership.objects.active()
        .filter(
            academie_id=establishment.academie_id,
            establishments=establishment,
            role__in=STAFF_ROLES,
        )
        .filter(~Q(role=Role.RUPN) | Q(school_year=school_year))
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    people = EstablishmentPeople()
    by_role = {
        Role.PRINCIPAL: people.principals,
        Role.DEPUTY: people.deputies,
        Role.RUPN: people.referents,
    }
    for membership in memberships:
        by_role[Role(membership.role)].append(membership)
    return people


@dataclass
class RoleEntry:
    """One role as a person sees it on the roles page: a RUPN's memberships of the same
    establishments over several school years make one entry, with its years."""

    membership: Membership  # what choosing the role acts in: the acting one, else the latest
    memberships: list[Membership]
    establishments: list[Establishment]
    departements: list[Departement]

    @property
    def years(self) -> list[SchoolYear]:
        years = {m.school_year.start_year: m.school_year for m in self.memberships if m.school_year}
        return [years[start] for start in sorted(years, reverse=True)]

    def holds(self, membership: Membership | None) -> bool:
        return membership is not None and any(m.pk == membership.pk for m in self.memberships)


def role_entries(memberships: list[Membership], acting: Membership | None) -> list[RoleEntry]:
    """`memberships` (in their order) grouped into roles, in two more queries."""
    prefetch_related_objects(memberships, "establishments", "departements")
    entries: dict[tuple[object, ...], RoleEntry] = {}
    for membership in memberships:
        establishments = sorted(membership.establishments.all(), key=lambda e: e.name)
        departements = sorted(membership.departements.all(), key=lambda d: d.code)
        key = (
            membership.academie_id,
            membership.role,
            tuple(e.pk for e in establishments),
            tuple(d.pk for d in departements),
        )
        entry = entries.get(key)
        if entry is None:
            entries[key] = RoleEntry(membership, [membership], establishments, departements)
            continue
        entry.memberships.append(membership)
        if entry.holds(acting):
            entry.membership = next(m for m in entry.memberships if m.pk == acting.pk)  # type: ignore[union-attr]
        elif _start(membership) > _start(entry.membership):
            entry.membership = membership
    return list(entries.values())


def _start(membership: Membership) -> int:
    return membership.school_year.start_year if membership.school_year else 0
