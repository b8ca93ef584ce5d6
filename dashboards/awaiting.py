"""What awaits the person on their home page: the letters to sign, the changes asked, the
visas to give — each with its count and a link to the letter (when one) or the filtered list.

One query whatever the number of letters."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Min
from django.urls import reverse

from missions.models import LetterStatus
from missions.selectors_letters import letters_awaiting
from rupn.links import url_with_query
from tenancy.roles import Role
from tenancy.scope import Scope

# What the person has to do with a letter in each state, by role: (singular, plural).
WORDING: dict[tuple[Role, LetterStatus], tuple[str, str]] = {
    (Role.RUPN, LetterStatus.SENT): ("lettre à lire et signer", "lettres à lire et signer"),
    (Role.PRINCIPAL, LetterStatus.REFERENT_SIGNED): ("lettre à signer", "lettres à signer"),
    (Role.PRINCIPAL, LetterStatus.CHANGES_REQUESTED): (
        "demande de modification",
        "demandes de modification",
    ),
    (Role.DEPUTY, LetterStatus.CHANGES_REQUESTED): (
        "demande de modification",
        "demandes de modification",
    ),
    (Role.DANE_ADMIN, LetterStatus.AWAITING_VISA): (
        "lettre en attente de votre visa",
        "lettres en attente de votre visa",
    ),
}


@dataclass(frozen=True)
class Awaiting:
    status: LetterStatus
    count: int
    label: str
    url: str


def awaiting_of(scope: Scope | None) -> list[Awaiting]:
    """The person's pending work, in the workflow's order; states with nothing left out."""
    if scope is None or scope.role is None:
        return []
    rows = {
        row["status"]: row
        for row in letters_awaiting(scope)
        .order_by()
        .values("status")
        .annotate(
            n=Count("pk"),
            first=Min("pk"),
            min_year=Min("school_year__start_year"),
            max_year=Max("school_year__start_year"),
        )
    }
    items = []
    for status in LetterStatus:
        wording = WORDING.get((scope.role, status))
        row = rows.get(status.value)
        if wording is None or row is None or not row["n"]:
            continue
        if row["n"] == 1:
            url = reverse("missions:letter", args=[row["first"]])
        elif scope.role == Role.RUPN:
            url = reverse("missions:letters")
        else:
            same_year = row["min_year"] == row["max_year"]
            url = url_with_query(
                "missions:letters",
                annee=row["max_year"] if same_year else None,
                etat=status.value,
            )
        items.append(Awaiting(status=status, count=row["n"], label=wording[row["n"] > 1], url=url))
    return items
