"""Writes on people, memberships and invitations. Each records who acted."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import DANE_ROLES, Invitation, Membership, Role, User
from accounts.scopes import scope_for
from audit.services import audit_record
from establishments.models import Academie, Departement, Establishment, SchoolYear
from rupn.formatting import quoted
from rupn.tasks import dispatch_on_commit
from tenancy.guard import scopes_disabled
from tenancy.scope import Scope


def _check_scope(
    *,
    academie_id: int,
    role: Role,
    establishments: Iterable[Establishment],
    departements: Iterable[Departement],
    school_year: SchoolYear | None,
) -> tuple[list[Establishment], list[Departement]]:
    """The scope a role needs, all of it inside `academie`, or a French ValidationError."""
    establishment_list = list(establishments)
    departement_list = list(departements)
    if any(e.academie_id != academie_id for e in establishment_list) or any(
        d.academie_id != academie_id for d in departement_list
    ):
        raise ValidationError("Un établissement ou un département n’appartient pas à l’académie.")
    if role in (Role.PRINCIPAL, Role.DEPUTY) and not establishment_list:
        raise ValidationError("Choisissez au moins un établissement.")
    if role == Role.RUPN:
        if len(establishment_list) != 1:
            raise ValidationError("Un référent est rattaché à un seul établissement.")
        if school_year is None:
            raise ValidationError("Choisissez l’année scolaire du référent.")
    if role == Role.DANE_COORDINATOR and not departement_list:
        raise ValidationError("Choisissez au moins un département pour le coordonnateur.")
    if role == Role.DANE_ADMIN:
        establishment_list, departement_list = [], []
    if role in DANE_ROLES:
        establishment_list = []
    else:
        departement_list = []
    return establishment_list, departement_list


def _role_scope_text(membership: Membership) -> str:
    """The role with what it covers: « Chef d’établissement (Collège Fromentin) »."""
    label = membership.get_role_display()
    names = [e.name for e in membership.establishments.all()] + [
        str(d) for d in membership.departements.all()
    ]
    year = f", {membership.school_year.label}" if membership.school_year else ""
    return quoted(label) + (f" ({', '.join(names)}{year})" if names else "")


def _person(user: User | None, email: str = "") -> str:
    if user is None:
        return email
    return user.full_name or user.email


def _membership_create(
    *,
    academie: Academie,
    user: User,
    role: Role,
    created_by_id: int | None,
    establishments: Iterable[Establishment],
    departements: Iterable[Departement],
    school_year: SchoolYear | None,
) -> Membership:
    establishment_list, departement_list = _check_scope(
        academie_id=academie.pk,
        role=role,
        establishments=establishments,
        departements=departements,
        school_year=school_year,
    )
    membership = Membership.objects.create(
        user=user,
        academie=academie,
        role=role,
        school_year=school_year if role == Role.RUPN else None,
        created_by_id=created_by_id,
    )
    membership.establishments.set(establishment_list)
    membership.departements.set(departement_list)
    return membership


@transaction.atomic
def membership_grant(
    *,
    academie: Academie,
    user: User,
    role: Role,
    actor: Scope,
    establishments: Iterable[Establishment] = (),
    departements: Iterable[Departement] = (),
    school_year: SchoolYear | None = None,
) -> Membership:
    """Give `user` a role in `academie`, within the scope the role needs."""
    membership = _membership_create(
        academie=academie,
        user=user,
        role=role,
        created_by_id=actor.user_id,
        establishments=establishments,
        departements=departements,
        school_year=school_year,
    )
    audit_record(
        actor=actor,
        verb="membership.grant",
        target=membership,
        summary=f"a donné le rôle {_role_scope_text(membership)} à {_person(user)}",
        after={"personne": user.email, "rôle": role.value},
    )
    return membership


class LastDaneAdmin(ValidationError):
    """Revoking would leave the académie without any DANE administrator."""


@transaction.atomic
def membership_revoke(*, membership: Membership, actor: Scope) -> Membership:
    if membership.role == Role.DANE_ADMIN and membership.revoked_at is None:
        # Lock the académie's admins so two admins revoking each other cannot both succeed.
        admins = list(
            Membership.objects.active()
            .select_for_update()
            .filter(academie_id=membership.academie_id, role=Role.DANE_ADMIN)
            .values_list("pk", flat=True)
        )
        if admins == [membership.pk]:
            raise LastDaneAdmin(
                "Impossible de retirer le dernier administrateur DANE de l’académie : "
                "invitez d’abord un autre administrateur."
            )
    if membership.revoked_at is None:
        membership.revoked_at = timezone.now()
        membership.revoked_by_id = actor.user_id
        membership.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            verb="membership.revoke",
            target=membership,
            summary=f"a retiré le rôle {_role_scope_text(membership)} à {_person(membership.user)}",
        )
    return membership


@transaction.atomic
def invitation_create(
    *,
    academie: Academie,
    email: str,
    role: Role,
    actor: Scope,
    first_name: str = "",
    last_name: str = "",
    establishments: Iterable[Establishment] = (),
    departements: Iterable[Departement] = (),
    school_year: SchoolYear | None = None,
    base_url: str,
) -> tuple[Invitation, str]:
    """Create an invitation and queue its email. Returns it with the clear token (for the link)."""
    establishment_list, departement_list = _check_scope(
        academie_id=academie.pk,
        role=role,
        establishments=establishments,
        departements=departements,
        school_year=school_year,
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        academie=academie,
        email=email.strip().lower(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role,
        school_year=school_year if role == Role.RUPN else None,
        token_hash=Invitation.hash_token(token),
        invited_by_id=actor.user_id,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_VALIDITY_DAYS),
    )
    invitation.establishments.set(establishment_list)
    invitation.departements.set(departement_list)
    audit_record(
        actor=actor,
        verb="invitation.create",
        target=invitation,
        summary=f"a invité {invitation.email} au rôle {quoted(invitation.get_role_display())}",
    )

    from accounts.tasks import send_invitation_email

    dispatch_on_commit(
        send_invitation_email,
        academie_id=academie.pk,
        invitation_id=invitation.pk,
        accept_url=f"{base_url.rstrip('/')}/invitation/{token}/",
    )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    """The pending invitation a link's token opens, or None (unknown, used, expired, cancelled).

    The link is opened by someone who may have no role yet, or one in another académie: the
    token, a secret only its email holds, is what designates the académie here.
    """
    with scopes_disabled():
        return (
            Invitation.objects.pending()
            .select_related("academie")
            .filter(token_hash=Invitation.hash_token(token))
            .first()
        )


class InvitationUnusable(Exception):
    """The invitation was used, cancelled or expired in the meantime."""


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User | None, password: str | None = None
) -> Membership:
    """Turn an invitation into a membership, once.

    `user` is the signed-in person accepting it (their email must match), or None for someone
    without an account yet: an account is then created with `password`. The address is marked
    verified, since following the link proves it.
    """
    from allauth.account.models import EmailAddress

    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_pending:
        raise InvitationUnusable
    if user is None:
        if User.objects.filter(email__iexact=locked.email).exists():
            raise ValidationError(
                "Un compte existe déjà pour cette adresse : connectez-vous pour accepter."
            )
        user = User.objects.create_user(
            email=locked.email,
            password=password,
            first_name=locked.first_name,
            last_name=locked.last_name,
        )
    elif user.email.lower() != locked.email.lower():
        raise ValidationError("Cette invitation est adressée à une autre adresse électronique.")
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    membership = _membership_create(
        academie=locked.academie,
        user=user,
        role=Role(locked.role),
        created_by_id=locked.invited_by_id,
        establishments=locked.establishments.all(),
        departements=locked.departements.all(),
        school_year=locked.school_year,
    )
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.membership = membership
    locked.save(update_fields=["accepted_at", "accepted_by", "membership"])
    audit_record(
        actor=scope_for(membership),
        verb="invitation.accept",
        target=membership,
        summary=f"a accepté l’invitation au rôle {_role_scope_text(membership)}",
    )
    return membership


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, actor: Scope) -> Invitation:
    if invitation.accepted_at is None and invitation.cancelled_at is None:
        invitation.cancelled_at = timezone.now()
        invitation.cancelled_by_id = actor.user_id
        invitation.save(update_fields=["cancelled_at", "cancelled_by"])
        audit_record(
            actor=actor,
            verb="invitation.cancel",
            target=invitation,
            summary=f"a annulé l’invitation de {invitation.email} au rôle "
            f"{quoted(invitation.get_role_display())}",
        )
    return invitation
