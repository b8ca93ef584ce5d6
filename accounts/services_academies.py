"""Creating an académie from the national list, with the invitation of its first DANE admin.

Lives beside the people services because it ends by inviting someone: `establishments` does not
depend on `accounts`, `accounts` depends on `establishments`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from accounts.models import Role, User
from accounts.services import invitation_create
from audit.services import audit_record
from establishments.models import Academie, Departement
from establishments.national_list import NationalAcademie, national_academie, national_academies
from tenancy.guard import academie_scope, scopes_disabled
from tenancy.scope import Scope


class UnknownAcademie(ValidationError):
    """The code is not in the national list of académies."""


class AcademieAlreadyExists(ValidationError):
    """The académie of this code was already created."""


def _code_variants(code: str) -> list[str]:
    """`04` and `4` name the same académie (the importer compares them without leading zeros)."""
    return list({code, code.lstrip("0") or "0"})


def existing_academie_for(entry: NationalAcademie) -> Academie | None:
    return Academie.objects.filter(
        Q(code__in=_code_variants(entry.code)) | Q(slug=entry.slug) | Q(name=entry.name)
    ).first()


def academies_not_created() -> list[NationalAcademie]:
    """The académies of the national list that do not exist yet, by name (two queries)."""
    codes = set(Academie.objects.values_list("code", flat=True))
    slugs = set(Academie.objects.values_list("slug", flat=True))
    return sorted(
        (
            entry
            for entry in national_academies()
            if not codes.intersection(_code_variants(entry.code)) and entry.slug not in slugs
        ),
        key=lambda entry: entry.name,
    )


def valid_codes_text() -> str:
    return ", ".join(f"{entry.code} ({entry.name})" for entry in national_academies())


@transaction.atomic
def academie_create(
    *,
    code: str,
    admin_email: str,
    by: User | None,
    base_url: str,
    admin_first_name: str = "",
    admin_last_name: str = "",
) -> Academie:
    """Create the académie of `code` with its départements, and invite its first DANE admin.

    The invitation email leaves once the transaction commits (`invitation_create`). Refuses, with
    a French message, a code outside the national list, an académie created already, a
    département held by another académie and an invalid address.
    """
    entry = national_academie(code)
    if entry is None:
        raise UnknownAcademie(
            f"Code d’académie inconnu : « {code} ». Codes valides : {valid_codes_text()}."
        )
    email = admin_email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError(f"Adresse électronique invalide : « {admin_email} ».") from exc
    existing = existing_academie_for(entry)
    if existing is not None:
        raise AcademieAlreadyExists(f"L’académie de {entry.name} existe déjà ({existing}).")
    codes = [d.code for d in entry.departements]
    with scopes_disabled():  # a département held by any other académie blocks the creation
        taken = Departement.objects.filter(code__in=codes).select_related("academie").first()
    if taken is not None:
        raise ValidationError(
            f"Le département {taken} appartient déjà à l’académie de {taken.academie.name}."
        )
    academie = Academie.objects.create(
        name=entry.name,
        slug=entry.slug,
        code=entry.code,
        region_academique=entry.region_academique,
    )
    actor = Scope.platform(academie.pk, user_id=by.pk if by else None)
    with academie_scope(academie.pk):
        Departement.objects.bulk_create(
            Departement(academie=academie, code=d.code, name=d.name) for d in entry.departements
        )
        audit_record(
            actor=actor,
            verb="academie.create",
            target=academie,
            summary=f"a ouvert l’académie de {academie.name} ({len(codes)} départements)",
        )
        invitation_create(
            academie=academie,
            email=email,
            first_name=admin_first_name,
            last_name=admin_last_name,
            role=Role.DANE_ADMIN,
            actor=actor,
            base_url=base_url,
        )
    return academie
