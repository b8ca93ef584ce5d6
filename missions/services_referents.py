"""The direction's writes on the year's referents of an establishment: designating someone
known, inviting a teacher, removing a designation, renewing last year's letters, and saving a
letter with its amount.

A designation is the referent's RUPN membership for the year (one record, the one every other
page reads); their draft letter follows as soon as the year's template is published. The
amount is the referent's IMP allocation: it goes through `allocation_set`, with its checks and
its messages, never copied into the letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Civility, Membership, Role, User
from accounts.services import membership_grant, membership_revoke
from audit.services import audit_record
from establishments.models import Establishment, SchoolYear
from indemnities.envelopes import rule_set_for
from indemnities.models import Allocation, ReferentLimitPolicy, ServiceCertification
from indemnities.selectors_allocations import referents_of
from indemnities.services.allocations import allocation_set
from missions.content import LetterContent, renew_content
from missions.models import Letter, LetterStatus
from missions.selectors import published_template_of
from missions.selectors_letters import latest_letters_of, templates_with_parts
from missions.services_letters import (
    letter_create,
    letter_delete_draft,
    letter_update_within,
)
from rupn.formatting import format_euros
from rupn.tasks import dispatch_on_commit
from tenancy.scope import Scope

# prenom.nom@ac-poitiers.fr, @ac-aix-marseille.fr, @ac-reunion.fr …
ACADEMIC_EMAIL = re.compile(r"^[^@\s]+@ac-[a-z0-9]+(?:-[a-z0-9]+)*\.fr$")


@dataclass(frozen=True)
class Designation:
    """A referent designated for the year, their draft letter (None while the template is not
    published) and the warnings to show."""

    membership: Membership
    letter: Letter | None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Renewal:
    """What « reprendre les lettres de l'an dernier » did."""

    created: list[Letter] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already designated this year
    lost_tasks: dict[str, list[str]] = field(default_factory=dict)  # person → task labels
    amount_problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_academic_email(email: str) -> bool:
    return bool(ACADEMIC_EMAIL.match(email.strip().lower()))


def _direction_of(actor: Scope, establishment: Establishment) -> None:
    if not (
        actor.academie_id == establishment.academie_id
        and (
            actor.is_platform
            or (actor.is_direction and establishment.pk in actor.establishment_ids)
        )
    ):
        raise ValidationError("Seule la direction de l’établissement désigne ses référents.")


def _lock(establishment: Establishment) -> Establishment:
    """Designations of one establishment run one after the other: the count of referents
    checked against the académie's maximum is the one committed."""
    return Establishment.objects.select_for_update().get(pk=establishment.pk)


def _limit_check(
    establishment: Establishment, school_year: SchoolYear, *, adding: int
) -> list[str]:
    """Warnings (or a refusal) when the designation goes beyond the académie's maximum."""
    rule_set = rule_set_for(establishment.academie_id, school_year)
    if rule_set is None:
        return []
    count = referents_of(establishment, school_year).count() + adding
    if count <= rule_set.max_referents:
        return []
    text = (
        f"{establishment.name} aurait {count} référents pour {school_year.label}, au-delà du "
        f"maximum de {rule_set.max_referents} recommandé par l’académie."
    )
    if rule_set.max_referents_policy == ReferentLimitPolicy.FORBIDDEN:
        raise ValidationError(
            text.replace("recommandé", "fixé") + " Retirez d’abord une désignation."
        )
    return [text]


def _designate(
    *,
    establishment: Establishment,
    school_year: SchoolYear,
    user: User,
    actor: Scope,
    content: LetterContent | None = None,
) -> Designation:
    _direction_of(actor, establishment)
    locked = _lock(establishment)
    if referents_of(locked, school_year).filter(user=user).exists():
        raise ValidationError(
            f"{user.formal_name} est déjà référent(e) de {locked.name} pour {school_year.label}."
        )
    warnings = _limit_check(locked, school_year, adding=1)
    membership = membership_grant(
        academie=locked.academie,
        user=user,
        role=Role.RUPN,
        actor=actor,
        establishments=[locked],
        school_year=school_year,
    )
    audit_record(
        actor=actor,
        verb="referent.designate",
        target=membership,
        establishment_id=locked.pk,
        school_year_id=school_year.pk,
        summary=f"a désigné {user.formal_name} référent(e) ({locked.name}, {school_year.label})",
    )
    letter = None
    if published_template_of(locked.academie_id, school_year) is not None:
        letter = letter_create(
            establishment=locked,
            school_year=school_year,
            referent=membership,
            actor=actor,
            content=content,
        )
    return Designation(membership=membership, letter=letter, warnings=warnings)


@transaction.atomic
def referent_designate(
    *, establishment: Establishment, school_year: SchoolYear, user: User, actor: Scope
) -> Designation:
    """Make `user` a referent of the establishment for the year, with their draft letter when
    the year's template is published."""
    return _designate(establishment=establishment, school_year=school_year, user=user, actor=actor)


@transaction.atomic
def referent_invite(
    *,
    establishment: Establishment,
    school_year: SchoolYear,
    email: str,
    civility: str,
    first_name: str,
    last_name: str,
    discipline: str,
    actor: Scope,
    base_url: str,
) -> Designation:
    """Designate a teacher by their academic address: their account is created when unknown
    (without a password: the email lets them choose one), and they are told by email."""
    from allauth.account.models import EmailAddress

    _direction_of(actor, establishment)
    email = email.strip().lower()
    errors = []
    if not is_academic_email(email):
        errors.append(
            f"L’adresse « {email} » n’est pas une adresse académique : saisissez l’adresse "
            "professionnelle de l’enseignant, de la forme prenom.nom@ac-academie.fr."
        )
    if not first_name.strip() or not last_name.strip():
        errors.append("Indiquez le nom et le prénom de l’enseignant.")
    if civility and civility not in Civility.values:
        errors.append("Choisissez la civilité parmi celles proposées.")
    if errors:
        raise ValidationError(errors)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=None,
            civility=civility,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            discipline=discipline.strip(),
        )
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    elif not user.discipline and discipline.strip():
        user.discipline = discipline.strip()
        user.save(update_fields=["discipline"])
    designation = _designate(
        establishment=establishment, school_year=school_year, user=user, actor=actor
    )
    from missions.tasks_referents import send_designation_email

    dispatch_on_commit(
        send_designation_email,
        academie_id=establishment.academie_id,
        membership_id=designation.membership.pk,
        base_url=base_url,
    )
    return designation


@transaction.atomic
def referent_remove(*, membership: Membership, actor: Scope) -> None:
    """Undo a designation: the draft letter goes if it was never sent, the IMP share is freed.
    Refused once the letter was sent (withdraw it first) or the service fait certified."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "school_year")
        .get(pk=membership.pk)
    )
    establishment = membership.establishments.first()
    if membership.role != Role.RUPN or establishment is None or membership.school_year is None:
        raise ValidationError("Cette personne n’est pas référente d’un établissement.")
    _direction_of(actor, establishment)
    name = membership.user.formal_name
    letters = list(Letter.objects.filter(referent=membership).order_by("pk"))
    if any(letter.status != LetterStatus.DRAFT for letter in letters):
        raise ValidationError(
            f"La lettre de mission de {name} a été envoyée : retirez-la d’abord (elle revient "
            "en brouillon), puis retirez la désignation."
        )
    if ServiceCertification.objects.filter(
        allocation__referent=membership, allocation__establishment=establishment
    ).exists():
        raise ValidationError(
            f"Le service fait de {name} est certifié : sa désignation ne peut plus être retirée."
        )
    for letter in letters:
        if letter.sent_at is None and not letter.signatures.exists():
            letter_delete_draft(letter=letter, actor=actor)
    if Allocation.objects.current().filter(referent=membership, amount__gt=0).exists():
        allocation_set(
            establishment=establishment,
            school_year=membership.school_year,
            amounts={membership: Decimal("0.00")},
            actor=actor,
        )
    membership_revoke(membership=membership, actor=actor)
    audit_record(
        actor=actor,
        verb="referent.remove",
        target=membership,
        establishment_id=establishment.pk,
        school_year_id=membership.school_year_id,
        summary=f"a retiré la désignation de {name} ({establishment.name}, "
        f"{membership.school_year.label})",
    )


def previous_year_of(school_year: SchoolYear) -> SchoolYear | None:
    return SchoolYear.objects.filter(start_year=school_year.start_year - 1).first()


@transaction.atomic
def letters_renew(
    *, establishment: Establishment, school_year: SchoolYear, actor: Scope
) -> Renewal:
    """Last year's referents again, each with a draft letter made from their last letter on
    this year's template, and last year's amounts when this year's envelope allows them."""
    _direction_of(actor, establishment)
    previous_year = previous_year_of(school_year)
    template = published_template_of(establishment.academie_id, school_year)
    if template is None:
        raise ValidationError(
            f"La trame {school_year.label} de l’académie n’est pas encore publiée : les lettres "
            "se reprennent dès sa publication."
        )
    previous = (
        list(
            latest_letters_of(establishment, previous_year)
            .select_related("referent__user")
            .order_by("referent__user__last_name", "referent__user__first_name", "pk")
        )
        if previous_year
        else []
    )
    if not previous:
        raise ValidationError("L’établissement n’a pas de lettre de mission l’an dernier.")
    assert previous_year is not None
    template = templates_with_parts([template.pk])[template.pk]
    locked = _lock(establishment)
    already = set(referents_of(locked, school_year).values_list("user_id", flat=True))
    old_amounts = {
        a.referent_id: a.amount
        for a in Allocation.objects.current().filter(
            establishment=locked, school_year=previous_year
        )
    }
    result = Renewal()
    amounts: dict[Membership, Decimal] = {}
    seen: set[int] = set()
    for old in previous:
        user = old.referent.user
        if user.pk in seen:
            continue
        seen.add(user.pk)
        if user.pk in already:
            result.skipped.append(user.formal_name)
            continue
        renewal = renew_content(template, LetterContent.of(old.content))
        try:
            designation = _designate(
                establishment=locked,
                school_year=school_year,
                user=user,
                actor=actor,
                content=renewal.content,
            )
        except ValidationError as error:
            result.amount_problems.extend(error.messages)
            continue
        result.warnings.extend(designation.warnings)
        if designation.letter is not None:
            result.created.append(designation.letter)
        if renewal.lost_tasks:
            result.lost_tasks[user.formal_name] = renewal.lost_tasks
        amount = old_amounts.get(old.referent_id)
        if amount:
            amounts[designation.membership] = amount
    if amounts:
        try:
            with transaction.atomic():
                allocations = allocation_set(
                    establishment=locked, school_year=school_year, amounts=amounts, actor=actor
                )
        except ValidationError as error:
            result.amount_problems.extend(error.messages)
            result.amount_problems.append(
                "Les montants de l’an dernier ("
                + ", ".join(f"{m.user.formal_name} : {format_euros(a)}" for m, a in amounts.items())
                + ") ne sont pas repris : fixez-les dans chaque lettre."
            )
        else:
            result.warnings.extend(allocations.warnings)
    return result


@dataclass(frozen=True)
class Saved:
    letter: Letter
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def letter_save(
    *,
    letter: Letter,
    content: LetterContent,
    revision: int,
    amount: Decimal | None,
    actor: Scope,
) -> Saved:
    """Save the editor's page: the letter's content and, when `amount` is not None and
    differs, the referent's IMP. All or nothing."""
    saved = letter_update_within(letter=letter, content=content, revision=revision, actor=actor)
    warnings: list[str] = []
    if amount is not None:
        current = (
            Allocation.objects.current()
            .filter(
                establishment_id=saved.establishment_id,
                school_year_id=saved.school_year_id,
                referent_id=saved.referent_id,
            )
            .values_list("amount", flat=True)
            .first()
        ) or Decimal("0.00")
        if amount != current:
            result = allocation_set(
                establishment=saved.establishment,
                school_year=saved.school_year,
                amounts={saved.referent: amount},
                actor=actor,
            )
            warnings = result.warnings
    return Saved(letter=saved, warnings=warnings)
