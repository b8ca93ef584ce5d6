"""The mission letter's workflow: every allowed transition, who may make it, what it triggers.

    brouillon ──send──▶ envoyée ──sign_referent──▶ signée par le référent ──sign_principal──▶ …
        ▲  ▲              │                                                     │
        │  └─────send─── modifications demandées ◀──request_changes──┘           ├─▶ émise
        │                                                                       └─▶ visa du DAN
        └──────────── withdraw (voids the signatures) ◀── any state before « émise » ──visa──▶ émise

This table is the only place that says so: the services (`missions.services_letters`) run a
transition by its name and refuse anything not listed; the pages show the buttons it allows;
the tests walk it row by row.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from missions.models import Letter, LetterStatus, SignatureKind
from tenancy.roles import Role
from tenancy.scope import Scope


class Actor(enum.Enum):
    """Who may make a transition, relative to the letter."""

    DIRECTION = "la direction de l’établissement (chef ou adjoint)"
    PRINCIPAL = "le chef d’établissement"
    REFERENT = "le référent de la lettre"
    DANE_ADMIN = "un administrateur DANE"


class Notify(enum.Enum):
    """Who is emailed once the transition is committed."""

    REFERENT = "referent"
    DIRECTION = "direction"
    PRINCIPALS = "principals"
    DANE_ADMINS = "dane_admins"
    ISSUED = "issued"  # the referent and the direction


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # the button
    sources: frozenset[LetterStatus]
    target: Callable[[Letter], LetterStatus]
    by: Actor
    notify: Callable[[LetterStatus], Notify]
    signature: SignatureKind | None = None
    needs_comment: bool = False
    done: str = ""  # the message once made


def _to(status: LetterStatus) -> Callable[[Letter], LetterStatus]:
    return lambda letter: status


def _after_principal(letter: Letter) -> LetterStatus:
    if letter.template.requires_dan_visa:
        return LetterStatus.AWAITING_VISA
    return LetterStatus.ISSUED


def _always(notify: Notify) -> Callable[[LetterStatus], Notify]:
    return lambda status: notify


def _after_principal_notify(status: LetterStatus) -> Notify:
    return Notify.DANE_ADMINS if status == LetterStatus.AWAITING_VISA else Notify.ISSUED


BEFORE_ISSUE = frozenset(
    {
        LetterStatus.SENT,
        LetterStatus.CHANGES_REQUESTED,
        LetterStatus.REFERENT_SIGNED,
        LetterStatus.AWAITING_VISA,
    }
)

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            name="send",
            label="Envoyer au référent",
            sources=frozenset({LetterStatus.DRAFT, LetterStatus.CHANGES_REQUESTED}),
            target=_to(LetterStatus.SENT),
            by=Actor.DIRECTION,
            notify=_always(Notify.REFERENT),
            done="La lettre est envoyée au référent, qui en est averti par courriel.",
        ),
        Transition(
            name="request_changes",
            label="Demander des modifications",
            sources=frozenset({LetterStatus.SENT}),
            target=_to(LetterStatus.CHANGES_REQUESTED),
            by=Actor.REFERENT,
            notify=_always(Notify.DIRECTION),
            needs_comment=True,
            done="Votre demande est transmise à la direction de l’établissement.",
        ),
        Transition(
            name="sign_referent",
            label="Signer la lettre",
            sources=frozenset({LetterStatus.SENT}),
            target=_to(LetterStatus.REFERENT_SIGNED),
            by=Actor.REFERENT,
            notify=_always(Notify.PRINCIPALS),
            signature=SignatureKind.REFERENT,
            done="Vous avez signé la lettre ; le chef d’établissement la signe à son tour.",
        ),
        Transition(
            name="sign_principal",
            label="Signer la lettre",
            sources=frozenset({LetterStatus.REFERENT_SIGNED}),
            target=_after_principal,
            by=Actor.PRINCIPAL,
            notify=_after_principal_notify,
            signature=SignatureKind.PRINCIPAL,
            done="Vous avez signé la lettre.",
        ),
        Transition(
            name="visa",
            label="Viser la lettre",
            sources=frozenset({LetterStatus.AWAITING_VISA}),
            target=_to(LetterStatus.ISSUED),
            by=Actor.DANE_ADMIN,
            notify=_always(Notify.ISSUED),
            signature=SignatureKind.DAN_VISA,
            done="Lettre visée et émise.",
        ),
        Transition(
            name="withdraw",
            label="Retirer la lettre",
            sources=BEFORE_ISSUE,
            target=_to(LetterStatus.DRAFT),
            by=Actor.DIRECTION,
            notify=_always(Notify.REFERENT),
            needs_comment=True,
            done="La lettre est retirée et revient en brouillon ; ses signatures sont annulées.",
        ),
    )
}


def acts_as(scope: Scope | None, letter: Letter, actor: Actor) -> bool:
    """Whether `scope` is `actor` for this letter (its académie, establishment, referent)."""
    if scope is None or scope.academie_id != letter.academie_id or scope.is_platform:
        return False
    if actor is Actor.DANE_ADMIN:
        return scope.is_dane_admin
    if actor is Actor.REFERENT:
        return scope.role == Role.RUPN and scope.user_id == letter.referent.user_id
    in_establishment = letter.establishment_id in scope.establishment_ids
    if actor is Actor.PRINCIPAL:
        return scope.role == Role.PRINCIPAL and in_establishment
    return scope.is_direction and in_establishment


def allowed_transitions(scope: Scope | None, letter: Letter) -> list[Transition]:
    """The transitions `scope` may make on `letter` now, in the table's order."""
    return [
        t
        for t in TRANSITIONS.values()
        if letter.status in t.sources and acts_as(scope, letter, t.by)
    ]


def status_label(letter: Letter) -> str:
    """The state as shown, an issued letter replaced by an issued amendment included."""
    amended = getattr(letter, "amended_by", None) if letter.status == LetterStatus.ISSUED else None
    if amended is not None and amended.status == LetterStatus.ISSUED:
        return "Remplacée par un avenant"
    return LetterStatus(letter.status).label
