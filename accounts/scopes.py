"""The one table of roles → scope, and the scope of a membership built from it."""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import CharField, QuerySet
from django.db.models.expressions import RawSQL

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


def _id_list(memberships: QuerySet[Membership], through: Any, column: str) -> RawSQL:
    """The ids of a membership's `column` in `through`, as one comma-separated string
    (STRING_AGG / GROUP_CONCAT), by a correlated subquery on the membership row.

    Written as SQL rather than as a `Subquery` of an aggregate: this read runs on every request,
    and building and compiling two aggregate subqueries cost more processor time (about 1.4 ms)
    than the rest of the query. Only fixed identifiers go into the text."""
    connection = connections[memberships.db]
    quote = connection.ops.quote_name
    ids = f"{quote(through._meta.db_table)}.{quote(column)}"
    joined = (
        f"STRING_AGG(CAST({ids} AS TEXT), ',')"
        if connection.vendor == "postgresql"
        else f"GROUP_CONCAT({ids})"
    )
    table = quote(through._meta.db_table)
    membership = f"{quote(Membership._meta.db_table)}.{quote('id')}"
    sql = f"SELECT {joined} FROM {table} WHERE {table}.{quote('membership_id')} = {membership}"  # noqa: S608
    return RawSQL(sql, (), output_field=CharField())  # noqa: S611 (no value in the text)


def with_scope_ids(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """Memberships carrying the ids their scope needs, in the same query as themselves (the
    memberships must be the query's own table, not a join or a subquery)."""
    return memberships.annotate(
        scope_departement_ids=_id_list(
            memberships, Membership.departements.through, "departement_id"
        ),
        scope_establishment_ids=_id_list(
            memberships, Membership.establishments.through, "establishment_id"
        ),
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
