"""Reads for the home pages that span académies (the platform administrator's), by aggregates.

A constant number of queries whatever the number of académies: one for the académies with
their counts, one for people by role, one for pending invitations.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Invitation, Membership, Role
from establishments.models import (
    Academie,
    Establishment,
    EstablishmentImport,
    ImportStatus,
    SchoolYear,
)
from indemnities.models import ImpRuleSet


@dataclass(frozen=True)
class RoleCount:
    role: Role
    count: int

    @property
    def label(self) -> str:
        return str(self.role.label)


@dataclass(frozen=True)
class AcademieOverview:
    academie: Academie
    establishment_count: int
    roles: tuple[RoleCount, ...]  # every role, in the order of `Role`, zeros included
    pending_invitations: int
    last_import_at: datetime.datetime | None
    has_imp_rules: bool

    @property
    def has_dane_admin(self) -> bool:
        return any(r.role == Role.DANE_ADMIN and r.count for r in self.roles)


def academies_overview(*, school_year: SchoolYear) -> list[AcademieOverview]:
    """Every académie with its counts; RUPN and IMP rules are those of `school_year`."""
    establishments = (
        Establishment.objects.filter(academie=OuterRef("pk"))
        .order_by()
        .values("academie")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_import = (
        EstablishmentImport.objects.filter(academie=OuterRef("pk"), status=ImportStatus.APPLIED)
        .order_by("-applied_at")
        .values("applied_at")[:1]
    )
    academies = Academie.objects.annotate(
        establishment_count=Coalesce(Subquery(establishments, output_field=IntegerField()), 0),
        last_import_at=Subquery(last_import),
        has_imp_rules=Exists(
            ImpRuleSet.objects.filter(academie=OuterRef("pk"), school_year=school_year)
        ),
    ).order_by("name")

    people: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        Membership.objects.active()
        .filter(~Q(role=Role.RUPN) | Q(school_year=school_year))
        .order_by()
        .values("academie_id", "role")
        .annotate(n=Count("user_id", distinct=True))
    ):
        people[row["academie_id"]][row["role"]] = row["n"]
    pending = dict(
        Invitation.objects.pending()  # type: ignore[attr-defined]
        .order_by()
        .values("academie_id")
        .annotate(n=Count("pk"))
        .values_list("academie_id", "n")
    )
    return [
        AcademieOverview(
            academie=academie,
            establishment_count=academie.establishment_count,  # type: ignore[attr-defined]
            roles=tuple(RoleCount(role, people[academie.pk].get(role, 0)) for role in Role),
            pending_invitations=pending.get(academie.pk, 0),
            last_import_at=academie.last_import_at,  # type: ignore[attr-defined]
            has_imp_rules=academie.has_imp_rules,  # type: ignore[attr-defined]
        )
        for academie in academies
    ]
