"""The roles a person may hold in an académie (a `Membership` of `accounts` has one)."""

from django.db import models


class Role(models.TextChoices):
    DANE_ADMIN = "dane_admin", "Administrateur DANE"
    DANE_COORDINATOR = "dane_coordinator", "Coordonnateur DANE"
    PRINCIPAL = "principal", "Chef d’établissement"
    DEPUTY = "deputy", "Adjoint au chef d’établissement"
    RUPN = "rupn", "Référent numérique (RUPN)"


DANE_ROLES = frozenset({Role.DANE_ADMIN, Role.DANE_COORDINATOR})
ESTABLISHMENT_ROLES = frozenset({Role.PRINCIPAL, Role.DEPUTY, Role.RUPN})
DIRECTION_ROLES = frozenset({Role.PRINCIPAL, Role.DEPUTY})

# How each role's label reads for a woman, in the history ("Sophie Garnier, administratrice
# DANE, a porté…"): French agrees the role with the person.
FEMININE_LABELS = {
    Role.DANE_ADMIN: "administratrice DANE",
    Role.DANE_COORDINATOR: "coordonnatrice DANE",
    Role.PRINCIPAL: "cheffe d’établissement",
    Role.DEPUTY: "adjointe au chef d’établissement",
    Role.RUPN: "référente numérique (RUPN)",
}
MASCULINE_LABELS = {
    Role.DANE_ADMIN: "administrateur DANE",
    Role.DANE_COORDINATOR: "coordonnateur DANE",
    Role.PRINCIPAL: "chef d’établissement",
    Role.DEPUTY: "adjoint au chef d’établissement",
    Role.RUPN: "référent numérique (RUPN)",
}
