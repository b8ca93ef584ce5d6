"""Who sees what: the scope a person acts in, one immutable value per request or task.

A scope is computed once from the acting membership (`accounts.scopes.scope_for`, the one table
of roles → scope) and handed to every `*_visible_to` / `get_*_for` and to every service, so
that no read or write decides on its own which rows a role may reach.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.db.models import Q

from tenancy.roles import DANE_ROLES, DIRECTION_ROLES, Role


class ScopeKind(enum.Enum):
    ACADEMIE = "academie"  # the whole académie
    DEPARTEMENTS = "departements"  # the establishments of some départements
    ESTABLISHMENTS = "establishments"  # some establishments
    PERSON = "person"  # one's own rows, in one's establishments
    NOTHING = "nothing"  # an inactive membership: sees no row at all


@dataclass(frozen=True)
class Scope:
    """The académie, the rows inside it a person may reach, and the role they act in.

    `membership_id` and `user_id` say who acts: they are None for the platform's own actions
    (a command, the demo loader, a platform administrator in the Django admin).
    """

    academie_id: int
    kind: ScopeKind
    role: Role | None = None
    membership_id: int | None = None
    user_id: int | None = None
    departement_ids: frozenset[int] = frozenset()
    establishment_ids: frozenset[int] = frozenset()
    school_year_id: int | None = None

    @classmethod
    def platform(cls, academie_id: int, *, user_id: int | None = None) -> Scope:
        """The whole académie, for the platform itself or a platform administrator."""
        return cls(academie_id=academie_id, kind=ScopeKind.ACADEMIE, user_id=user_id)

    @property
    def is_dane(self) -> bool:
        return self.role in DANE_ROLES

    @property
    def is_dane_admin(self) -> bool:
        return self.role == Role.DANE_ADMIN

    @property
    def is_direction(self) -> bool:
        return self.role in DIRECTION_ROLES

    @property
    def is_platform(self) -> bool:
        return self.membership_id is None

    @property
    def whole_academie(self) -> bool:
        return self.kind is ScopeKind.ACADEMIE

    def establishments_q(self, via: str = "") -> Q:
        """Rows whose establishment the scope reaches: the establishment itself (`via` empty) or
        the row's foreign key `via` (e.g. `"establishment"`). Every tenant row carries its
        `academie`, so the académie is always filtered on the row itself."""
        academie = Q(academie_id=self.academie_id)
        if self.kind is ScopeKind.ACADEMIE:
            return academie
        if self.kind is ScopeKind.DEPARTEMENTS:
            lookup = f"{via}__departement_id__in" if via else "departement_id__in"
            return academie & Q(**{lookup: self.departement_ids})
        if self.kind in (ScopeKind.ESTABLISHMENTS, ScopeKind.PERSON):
            lookup = f"{via}_id__in" if via else "pk__in"
            return academie & Q(**{lookup: self.establishment_ids})
        return Q(pk__in=[])

    def departements_q(self) -> Q:
        """Départements the scope reaches: all, its own, or those of its establishments."""
        academie = Q(academie_id=self.academie_id)
        if self.kind is ScopeKind.ACADEMIE:
            return academie
        if self.kind is ScopeKind.DEPARTEMENTS:
            return academie & Q(pk__in=self.departement_ids)
        if self.kind in (ScopeKind.ESTABLISHMENTS, ScopeKind.PERSON):
            return academie & Q(establishments__in=self.establishment_ids)
        return Q(pk__in=[])

    def own_rows_q(self, person_path: str) -> Q:
        """For a person scope, only the rows about the person (at `person_path`, a user id)."""
        if self.kind is ScopeKind.PERSON:
            return Q(**{person_path: self.user_id})
        return Q()
