"""Writes on mission letters: creation, editing, the workflow's transitions, amendments.

Every transition goes through `letter_transition`, which refuses anything the table of
`missions.workflow` does not allow to this scope in this state. Each write is recorded in the
audit log, and each step's email leaves after commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership
from audit.models import AuditEvent
from audit.services import audit_record
from establishments.models import Establishment, SchoolYear
from indemnities.envelopes import rule_set_for
from indemnities.models import Allocation
from indemnities.services.letters import (
    allocation_cover_by_letter,
    allocation_freeze_for_letter,
    allocation_release_letter,
    allocation_unfreeze_for_letter,
)
from indemnities.services.rules import rule_set_lock
from missions.content import LetterContent, default_content, missing_for_sending
from missions.document import document_sha256, signed_text
from missions.models import (
    Letter,
    LetterSignature,
    LetterStatus,
)
from missions.selectors import published_template_of
from missions.selectors_letters import document_of, templates_with_parts
from missions.workflow import TRANSITIONS, Transition, acts_as
from rupn.formatting import format_date
from rupn.locking import locked_again
from rupn.tasks import dispatch_on_commit
from tenancy.roles import Role
from tenancy.scope import Scope

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


class LetterConflict(ValidationError):
    """Someone else saved the letter since this editor loaded it."""


@dataclass(frozen=True)
class SigningContext:
    """Where a signature comes from, as the request tells it."""

    ip_address: str | None
    user_agent: str
    reauthenticated_with: str  # « mot de passe », « TOTP »


def new_reference(school_year: SchoolYear) -> str:
    """A reference nobody can guess from another one: the year and 10 random characters."""
    random = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))
    return f"LM-{school_year.start_year}-{random[:5]}-{random[5:]}"


def _name(letter: Letter) -> str:
    return letter.referent.user.formal_name


def _where(letter: Letter) -> str:
    return f"{letter.establishment.name}, {letter.school_year.label}"


def _record(
    letter: Letter, *, actor: Scope, verb: str, summary: str, reason: str = "", **extra: object
) -> AuditEvent:
    return audit_record(
        actor=actor,
        verb=f"letter.{verb}",
        target=letter,
        establishment_id=letter.establishment_id,
        school_year_id=letter.school_year_id,
        summary=f"{summary} ({_where(letter)})",
        reason=reason,
        **extra,  # type: ignore[arg-type]
    )


def _direction_may_edit(actor: Scope, establishment: Establishment) -> None:
    if not (
        actor.academie_id == establishment.academie_id
        and (
            actor.is_platform
            or (actor.is_direction and establishment.pk in actor.establishment_ids)
        )
    ):
        raise ValidationError(
            "Seule la direction de l’établissement prépare les lettres de ses référents."
        )


@transaction.atomic
def letter_create(
    *,
    establishment: Establishment,
    school_year: SchoolYear,
    referent: Membership,
    actor: Scope,
    content: LetterContent | None = None,
) -> Letter:
    """A draft letter for a referent of the year, on the latest published template."""
    _direction_may_edit(actor, establishment)
    if (
        referent.role != Role.RUPN
        or referent.school_year_id != school_year.pk
        or not referent.establishments.filter(pk=establishment.pk).exists()
    ):
        raise ValidationError(
            f"{referent.user.formal_name} n’est pas référent(e) de {establishment.name} pour "
            f"{school_year.label}."
        )
    template = published_template_of(establishment.academie_id, school_year)
    if template is None:
        raise ValidationError(
            f"La trame {school_year.label} de l’académie n’est pas encore publiée : les lettres "
            "se préparent dès sa publication."
        )
    existing = Letter.objects.filter(
        establishment=establishment,
        school_year=school_year,
        referent=referent,
        supersedes__isnull=True,
    ).first()
    if existing is not None:
        return existing
    if content is None:
        content = default_content(templates_with_parts([template.pk])[template.pk])
    letter = Letter.objects.create(
        academie_id=establishment.academie_id,
        establishment=establishment,
        school_year=school_year,
        referent=referent,
        template=template,
        reference=new_reference(school_year),
        content=content.as_json(),
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    _record(
        letter,
        actor=actor,
        verb="create",
        summary=f"a préparé la lettre de mission de {referent.user.formal_name} "
        f"(trame version {template.version})",
    )
    return letter


def _locked(letter: Letter) -> Letter:
    return locked_again(
        letter,
        ("academie", "establishment", "school_year", "referent", "template", "supersedes"),
    )


@transaction.atomic
def letter_update(*, letter: Letter, content: LetterContent, revision: int, actor: Scope) -> Letter:
    """Save the principal's choices. Refused when the letter is no longer a draft, and when
    someone saved it since `revision` was read (the second save is refused, never merged)."""
    return letter_update_within(letter=letter, content=content, revision=revision, actor=actor)


def letter_update_within(
    *, letter: Letter, content: LetterContent, revision: int, actor: Scope
) -> Letter:
    """`letter_update` inside a transaction its caller holds (`transaction.atomic` already
    open, and undone whole on an error): without the savepoint, and its two round trips, that
    a nested atomic block would add to every autosave."""
    assert transaction.get_connection().in_atomic_block, "letter_update_within needs a transaction"
    locked = _locked(letter)
    _direction_may_edit(actor, locked.establishment)
    if not locked.is_editable:
        raise ValidationError(
            f"Cette lettre est « {locked.get_status_display().lower()} » : elle ne se modifie "
            "plus. Retirez-la pour la reprendre en brouillon."
        )
    if locked.revision != revision:
        who = locked.updated_by.full_name if locked.updated_by else "quelqu’un"
        raise LetterConflict(
            f"{who} a enregistré cette lettre le {format_date(locked.updated_at)} à "
            f"{timezone.localtime(locked.updated_at):%H:%M}, après que vous l’avez ouverte. "
            "Votre version n’est pas enregistrée : rechargez la page pour voir la sienne, puis "
            "refaites vos modifications."
        )
    new = content.as_json()
    if new == locked.content:
        return locked
    before = locked.content
    locked.content = new
    locked.revision += 1
    locked.updated_by_id = actor.user_id
    locked.save(update_fields=["content", "revision", "updated_by", "updated_at"])
    _record(
        locked,
        actor=actor,
        verb="update",
        summary=f"a modifié la lettre de mission de {_name(locked)}",
        before=before,
        after=new,
    )
    return locked


def _issue(letter: Letter, actor: Scope) -> None:
    """What issuing triggers: in indemnities the allocation is covered and the rules locked;
    then the signed PDF."""
    allocation = Allocation.objects.filter(
        establishment_id=letter.establishment_id,
        school_year_id=letter.school_year_id,
        referent_id=letter.referent_id,
        withdrawn_at__isnull=True,
    ).first()
    if allocation is not None:
        allocation_cover_by_letter(
            allocation=allocation, letter_reference=letter.reference, actor=actor
        )
    elif letter.supersedes is not None:
        previous = Allocation.objects.filter(
            establishment_id=letter.establishment_id,
            school_year_id=letter.school_year_id,
            referent_id=letter.referent_id,
        ).first()
        if previous is not None:
            allocation_release_letter(
                allocation=previous, actor=actor, reason=letter.amendment_reason
            )
    rule_set = rule_set_for(letter.academie_id, letter.school_year)
    if rule_set is not None:
        rule_set_lock(rule_set=rule_set, actor=actor)
    from missions.tasks_pdf import render_and_send_letter_pdf

    # The signed PDF is rendered, sealed, stored and emailed once the issue is committed.
    dispatch_on_commit(
        render_and_send_letter_pdf, academie_id=letter.academie_id, letter_id=letter.pk
    )


def _sign(
    letter: Letter, transition: Transition, actor: Scope, signing: SigningContext
) -> LetterSignature:
    assert transition.signature is not None
    assert actor.user_id is not None and actor.membership_id is not None
    if not letter.signed_sha256:
        # The first signature freezes the document every later signature covers.
        document = document_of(letter)
        letter.signed_document = signed_text(document)
        letter.signed_sha256 = document_sha256(document)
        allocation_freeze_for_letter(
            establishment=letter.establishment,
            school_year=letter.school_year,
            referent=letter.referent,
            actor=actor,
        )
    from accounts.models import User

    signer = User.objects.get(pk=actor.user_id)
    return LetterSignature.objects.create(
        academie_id=letter.academie_id,
        letter=letter,
        kind=transition.signature,
        signer=signer,
        membership_id=actor.membership_id,
        role=actor.role.value if actor.role else "",
        signer_name=signer.formal_name,
        signed_at=timezone.now(),
        ip_address=signing.ip_address,
        user_agent=signing.user_agent[:400],
        content_sha256=letter.signed_sha256,
        reauthenticated_with=signing.reauthenticated_with,
    )


def _void_signatures(letter: Letter, actor: Scope, reason: str) -> int:
    return LetterSignature.objects.filter(letter=letter, voided_at__isnull=True).update(
        voided_at=timezone.now(), voided_by_id=actor.user_id, void_reason=reason
    )


SUMMARIES = {
    "send": "a envoyé sa lettre de mission à {name}",
    "request_changes": "a demandé des modifications de sa lettre de mission",
    "sign_referent": "a signé sa lettre de mission",
    "sign_principal": "a signé la lettre de mission de {name}",
    "visa": "a visé la lettre de mission de {name}",
    "withdraw": "a retiré la lettre de mission de {name}, qui revient en brouillon",
}


@transaction.atomic
def letter_transition(
    *,
    letter: Letter,
    name: str,
    actor: Scope,
    comment: str = "",
    signing: SigningContext | None = None,
    expected_status: str | None = None,
) -> Letter:
    """Make the transition `name` of the workflow table on `letter`, as `actor`.

    `expected_status`, when given, is the state the person saw: a letter that moved meanwhile
    is refused rather than acted on blind. Signatures need `signing`, set by the page after
    the signer re-authenticated."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise ValidationError("Cette action n’existe pas.")
    locked = _locked(letter)
    if expected_status is not None and locked.status != expected_status:
        raise ValidationError(
            f"La lettre a changé d’état entre-temps : elle est maintenant "
            f"« {locked.get_status_display().lower()} ». Rechargez la page."
        )
    if locked.status not in transition.sources:
        raise ValidationError(
            f"Impossible de « {transition.label.lower()} » une lettre "
            f"« {locked.get_status_display().lower()} »."
        )
    if not acts_as(actor, locked, transition.by):
        raise ValidationError(
            f"Seul {transition.by.value} peut « {transition.label.lower()} » cette lettre."
        )
    comment = comment.strip()
    if transition.needs_comment and not comment:
        raise ValidationError(
            "Expliquez ce qui doit changer."
            if name == "request_changes"
            else "Indiquez le motif du retrait."
        )
    if transition.signature is not None and signing is None:
        raise ValidationError("Une signature demande de confirmer votre identité.")

    if name == "send":
        problems = missing_for_sending(
            templates_with_parts([locked.template_id])[locked.template_id],
            LetterContent.of(locked.content),
        )
        if problems:
            raise ValidationError(problems)
    target = transition.target(locked)
    signature = None
    if transition.signature is not None:
        assert signing is not None
        signature = _sign(locked, transition, actor, signing)
    voided = 0
    if name == "withdraw":
        voided = _void_signatures(locked, actor, comment)
        if locked.signed_sha256:
            allocation_unfreeze_for_letter(
                establishment=locked.establishment,
                school_year=locked.school_year,
                referent=locked.referent,
            )
        locked.signed_document = ""
        locked.signed_sha256 = ""
    now = timezone.now()
    if name == "send":
        locked.sent_at = now
        locked.changes_comment = ""
    if name == "request_changes":
        locked.changes_comment = comment
    locked.status = target
    if target == LetterStatus.ISSUED:
        locked.issued_at = now
    locked.save()
    summary = SUMMARIES[name].format(name=_name(locked))
    if voided:
        summary += f" ; {voided} signature(s) annulée(s)"
    if target == LetterStatus.ISSUED:
        summary += " ; la lettre est émise"
    event = _record(
        locked,
        actor=actor,
        verb=name,
        summary=summary,
        reason=comment,
        after={
            "état": target.value,
            **({"empreinte": signature.content_sha256} if signature else {}),
        },
    )
    if target == LetterStatus.ISSUED:
        _issue(locked, actor)
    from missions.tasks import send_letter_emails

    dispatch_on_commit(
        send_letter_emails,
        academie_id=locked.academie_id,
        letter_id=locked.pk,
        event=name,
        event_key=str(event.pk),
        notify=transition.notify(target).value,
    )
    return locked


@transaction.atomic
def letter_amend(
    *, letter: Letter, reason: str, actor: Scope, content: LetterContent | None = None
) -> Letter:
    """A draft amendment of an issued letter: the issued one binds until the amendment is
    issued in its turn. The amount may change again meanwhile (the allocation is released
    from its signed letter, not from its coverage)."""
    locked = _locked(letter)
    _direction_may_edit(actor, locked.establishment)
    if locked.status != LetterStatus.ISSUED:
        raise ValidationError("Seule une lettre émise se modifie par un avenant.")
    if Letter.objects.filter(supersedes=locked).exists():
        raise ValidationError("Un avenant de cette lettre existe déjà : reprenez-le.")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Indiquez le motif de l’avenant (départ, arrivée, missions…).")
    template = published_template_of(locked.academie_id, locked.school_year) or locked.template
    amendment = Letter.objects.create(
        academie_id=locked.academie_id,
        establishment=locked.establishment,
        school_year=locked.school_year,
        referent=locked.referent,
        template=template,
        reference=new_reference(locked.school_year),
        content=(content or LetterContent.of(locked.content)).as_json(),
        supersedes=locked,
        amendment_reason=reason,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    allocation_unfreeze_for_letter(
        establishment=locked.establishment,
        school_year=locked.school_year,
        referent=locked.referent,
    )
    _record(
        amendment,
        actor=actor,
        verb="amend",
        summary=f"a préparé un avenant à la lettre {locked.reference} de {_name(locked)}",
        reason=reason,
    )
    return amendment


@transaction.atomic
def letter_delete_draft(*, letter: Letter, actor: Scope) -> None:
    """Remove a draft never sent (a referent designated by mistake)."""
    locked = _locked(letter)
    _direction_may_edit(actor, locked.establishment)
    if (
        locked.status != LetterStatus.DRAFT
        or locked.sent_at is not None
        or locked.signatures.exists()
    ):
        raise ValidationError("Seul un brouillon jamais envoyé peut être supprimé.")
    _record(
        locked, actor=actor, verb="delete", summary=f"a supprimé le brouillon de {_name(locked)}"
    )
    locked.delete()


@transaction.atomic
def letter_pdf_resend(*, letter: Letter, actor: Scope) -> int:
    """Send the signed PDF again to the recipients who have not received it (a refused address
    corrected, a mail server back): the direction of the establishment or a DANE admin.
    Returns how many recipients are waiting for it."""
    from missions.models import LetterEmail
    from missions.tasks_pdf import EVENT, render_and_send_letter_pdf

    if letter.status != LetterStatus.ISSUED:
        raise ValidationError("Seule une lettre émise a un PDF signé à envoyer.")
    if not (
        actor.academie_id == letter.academie_id
        and (
            actor.role == Role.DANE_ADMIN
            or (actor.is_direction and letter.establishment_id in actor.establishment_ids)
        )
    ):
        raise ValidationError(
            "Seuls la direction de l’établissement et l’administration DANE renvoient la lettre."
        )
    waiting = LetterEmail.objects.filter(letter=letter, event_key=EVENT, sent_at__isnull=True)
    count = waiting.count()
    _record(
        letter,
        actor=actor,
        verb="pdf_resend",
        summary=f"a renvoyé la lettre signée de {_name(letter)} "
        f"({', '.join(waiting.values_list('recipient', flat=True)) or 'destinataires restants'})",
    )
    dispatch_on_commit(
        render_and_send_letter_pdf, academie_id=letter.academie_id, letter_id=letter.pk
    )
    return count
