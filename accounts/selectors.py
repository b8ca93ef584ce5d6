"""Reads of people for pages that show an establishment: who leads it and who its referents are.

The caller has already checked, through `establishments.access`, that the acting role may see
the establishment; these functions only gather its people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from accounts.models import Membership, Role
from establishments.models import Establishment, SchoolYear

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
