"""The one table of roles → scope, and the scope of a membership built from it."""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, CharField, OuterRef, QuerySet, Subquery

from accounts.models import Membership
from tenancy.roles import Role
from tenancy.scope import Scope, ScopeKind

SCOPE_KIND_OF_ROLE = {
    Role.DANE_ADMIN: ScopeKind.ACADEMIE,
    Role.DANE_COORDINATOR: ScopeKind.DEPARTEMENTS,
    Role.PRINCIPAL: ScopeKind.ESTABLISHMENTS,
    Role.DEPUTY: ScopeKind.ESTABLISHMENTS,
    Role.RUPN: ScopeKind.PERSON,
}


class _IdList(Aggregate):
    """The ids of a group as one comma-separated string (GROUP_CONCAT / STRING_AGG)."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s::text, ',')",
            **extra,
        )


def _id_list(through: Any, column: str) -> Subquery:
    return Subquery(
        through.objects.filter(membership_id=OuterRef("pk"))
        .values("membership_id")
        .annotate(ids=_IdList(column))
        .values("ids")[:1]
    )


def with_scope_ids(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """Memberships carrying the ids their scope needs, in the same query as themselves."""
    return memberships.annotate(
        scope_departement_ids=_id_list(Membership.departements.through, "departement_id"),
        scope_establishment_ids=_id_list(Membership.establishments.through, "establishment_id"),
    )


def _ids(annotated: str | None) -> frozenset[int]:
    return frozenset(int(i) for i in annotated.split(",")) if annotated else frozenset()


def scope_for(membership: Membership) -> Scope:
    """What `membership` lets its holder see, from the table above."""
    kind = SCOPE_KIND_OF_ROLE[Role(membership.role)] if membership.is_active else ScopeKind.NOTHING
    if hasattr(membership, "scope_departement_ids"):
        departement_ids = _ids(membership.scope_departement_ids)  # type: ignore[attr-defined]
        establishment_ids = _ids(membership.scope_establishment_ids)  # type: ignore[attr-defined]
    else:
        # A membership loaded without `with_scope_ids` (a task, a test): read the ids now.
        departement_ids = frozenset(membership.departements.values_list("pk", flat=True))
        establishment_ids = frozenset(membership.establishments.values_list("pk", flat=True))
    return Scope(
        academie_id=membership.academie_id,
        kind=kind,
        role=Role(membership.role),
        membership_id=membership.pk,
        user_id=membership.user_id,
        departement_ids=departement_ids if kind is ScopeKind.DEPARTEMENTS else frozenset(),
        establishment_ids=(
            establishment_ids
            if kind in (ScopeKind.ESTABLISHMENTS, ScopeKind.PERSON)
            else frozenset()
        ),
        school_year_id=membership.school_year_id,
    )
