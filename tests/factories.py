"""Builders of test data, going through services as a user would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from accounts.models import Membership, Role, User
from accounts.services import membership_grant
from establishments.models import (
    Academie,
    Departement,
    Establishment,
    EstablishmentType,
    PupilCount,
    SchoolYear,
    Sector,
)
from establishments.uai import make_uai
from tenancy.scope import Scope

PASSWORD = "motdepasse-de-test-42"

POITIERS_DEPARTEMENTS = {
    "16": "Charente",
    "17": "Charente-Maritime",
    "79": "Deux-Sèvres",
    "86": "Vienne",
}
BORDEAUX_DEPARTEMENTS = {
    "24": "Dordogne",
    "33": "Gironde",
    "40": "Landes",
    "47": "Lot-et-Garonne",
    "64": "Pyrénées-Atlantiques",
}
_serials = itertools.count(1)


def make_academie(*, name: str, code: str, departements: dict[str, str]) -> Academie:
    academie = Academie.objects.create(
        name=name, slug=name.lower(), code=code, mfa_required_for_dane=False
    )
    for dep_code, dep_name in departements.items():
        Departement.objects.create(academie=academie, code=dep_code, name=dep_name)
    return academie


def make_establishment(
    *,
    academie: Academie,
    departement: Departement | None = None,
    name: str | None = None,
    type: str = EstablishmentType.COLLEGE,
    sector: str = Sector.PUBLIC,
    pupils: int | None = 300,
    school_year: SchoolYear | None = None,
) -> Establishment:
    departement = departement or academie.departements.order_by("code").first()
    assert departement is not None
    serial = next(_serials)
    establishment = Establishment.objects.create(
        academie=academie,
        # Four digits whatever the number of establishments made in the session (the serial wraps:
        # a test database never holds 5 000 of them at once).
        uai=make_uai(f"{int(departement.code):03d}", 5000 + serial % 5000),
        name=name or f"Collège test {serial}",
        type=type,
        sector=sector,
        departement=departement,
        commune=f"Commune {serial}",
        email=f"ce.{serial}@ac-test.fr",
    )
    if pupils is not None:
        PupilCount.objects.create(
            academie=academie,
            establishment=establishment,
            school_year=school_year or SchoolYear.objects.current(),
            pupils=pupils,
            source="test",
        )
    return establishment


def make_user(email: str, *, first_name: str = "Camille", last_name: str = "Martin") -> User:
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(
        email=email, password=PASSWORD, first_name=first_name, last_name=last_name
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@dataclass
class AcademieWorld:
    """One académie with one person in every role."""

    academie: Academie
    establishment: Establishment
    other_establishment: Establishment
    dane_admin: Membership
    coordinator: Membership
    principal: Membership
    deputy: Membership
    rupn: Membership
    members: dict[str, Membership] = field(default_factory=dict)


def make_world(*, name: str, code: str, departements: dict[str, str]) -> AcademieWorld:
    academie = make_academie(name=name, code=code, departements=departements)
    # Its sealing certificate (in the run's temporary folder), for the PDFs of issued letters.
    from missions.seal_demo import write_demo_seals

    write_demo_seals([academie], force=False)
    deps = list(academie.departements.order_by("code"))
    establishment = make_establishment(
        academie=academie, departement=deps[0], name=f"Collège Jean Moulin ({name})"
    )
    other = make_establishment(
        academie=academie,
        departement=deps[-1],
        name=f"Lycée Victor Hugo ({name})",
        type=EstablishmentType.LGT,
        pupils=800,
    )
    slug = academie.slug
    year = SchoolYear.objects.current()

    def grant(role: Role, email: str, **scope: object) -> Membership:
        return membership_grant(
            academie=academie,
            user=make_user(email),
            role=role,
            actor=Scope.platform(academie.pk),
            **scope,  # type: ignore[arg-type]
        )

    world = AcademieWorld(
        academie=academie,
        establishment=establishment,
        other_establishment=other,
        dane_admin=grant(Role.DANE_ADMIN, f"dane.{slug}@test.fr"),
        coordinator=grant(Role.DANE_COORDINATOR, f"coord.{slug}@test.fr", departements=[deps[0]]),
        principal=grant(
            Role.PRINCIPAL, f"principal.{slug}@test.fr", establishments=[establishment]
        ),
        deputy=grant(Role.DEPUTY, f"adjoint.{slug}@test.fr", establishments=[establishment]),
        rupn=grant(
            Role.RUPN, f"rupn.{slug}@test.fr", establishments=[establishment], school_year=year
        ),
    )
    world.members = {
        "dane_admin": world.dane_admin,
        "dane_coordinator": world.coordinator,
        "principal": world.principal,
        "deputy": world.deputy,
        "rupn": world.rupn,
    }
    return world


def platform_of(obj: object) -> Scope:
    """The platform acting on `obj`'s académie (an Academie or any row with `academie_id`)."""
    academie_id = getattr(obj, "academie_id", None) or getattr(obj, "pk", None)
    assert isinstance(academie_id, int)
    return Scope.platform(academie_id)
