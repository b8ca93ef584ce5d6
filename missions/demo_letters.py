"""Demo mission letters in every state, in both years, built through the services as the
principals, referents and DANE admins would (each signature as its signer).

Called after the demo templates, allocations and accounts exist. Running it again adds nothing:
a referent who already has a letter for the year is left as it is. Establishments without a
principal are skipped: nobody would sign their letters.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from accounts.models import Membership, Role
from accounts.scopes import scope_for
from establishments.models import Academie, SchoolYear
from indemnities.selectors_allocations import referents_of
from missions.content import LetterContent
from missions.models import Letter, LetterStatus, SectionKind
from missions.selectors import published_template_of
from missions.selectors_letters import templates_with_parts
from missions.services_letters import (
    SigningContext,
    letter_amend,
    letter_create,
    letter_transition,
    letter_update,
)

DEMO_SIGNING = SigningContext(
    ip_address="192.0.2.1", user_agent="Démonstration", reauthenticated_with="mot de passe"
)
FREE_TEXTS = [
    "Le référent anime la cellule numérique de l’établissement avec le professeur "
    "documentaliste et prépare le plan de formation numérique de l’année.",
    "Le référent accompagne le déploiement des tablettes en classe de 6e et organise un "
    "mini-atelier par période pour les collègues volontaires.",
    "Le référent suit le projet d’établissement pour le numérique et fait le lien avec le "
    "conseil pédagogique.",
]
AMENDED = "amended"
# What becomes of the letters of the year, in turn: every state appears in each académie.
CURRENT_STATES = [
    LetterStatus.SENT,
    LetterStatus.REFERENT_SIGNED,
    LetterStatus.AWAITING_VISA,
    LetterStatus.ISSUED,
    LetterStatus.CHANGES_REQUESTED,
    LetterStatus.DRAFT,
    AMENDED,
]
# Last year most letters were issued; some were never finished.
PAST_STATES = [
    LetterStatus.ISSUED,
    AMENDED,
    LetterStatus.REFERENT_SIGNED,
    LetterStatus.AWAITING_VISA,
    LetterStatus.SENT,
    LetterStatus.CHANGES_REQUESTED,
    LetterStatus.DRAFT,
    LetterStatus.ISSUED,
]
# Teachers the principals designated this year, in the establishments whose demo accounts
# have no referent: (civility, first name, last name, discipline).
TEACHERS = [
    ("mme", "Élise", "Vasseur", "Mathématiques"),
    ("m", "Thomas", "Perrin", "Technologie"),
    ("mme", "Inès", "Morel", "Documentation"),
    ("m", "Hugo", "Lambert", "Histoire-géographie"),
    ("mme", "Chloé", "Marchand", "Physique-chimie"),
    ("m", "Antoine", "Colin", "Sciences de la vie et de la Terre"),
    ("mme", "Manon", "Faure", "Lettres modernes"),
    ("m", "Lucas", "André", "Anglais"),
]
# The demo accounts first, so that each finds work: the referent a letter to sign, the
# principal a letter signed by a referent, the DANE admin a letter awaiting the visa.
FIRST = ("rupn@", "rupn.college@", "rupn.bis@")


def _principal(establishment_id: int) -> Membership | None:
    return (
        Membership.objects.active()
        .filter(role=Role.PRINCIPAL, establishments=establishment_id)
        .select_related("user")
        .order_by("pk")
        .first()
    )


def _order(referent: Membership) -> tuple[int, str]:
    email = referent.user.email
    rank = next((i for i, prefix in enumerate(FIRST) if email.startswith(prefix)), len(FIRST))
    return rank, email


def _designate_teachers(academie: Academie, year: SchoolYear, admin: Membership) -> None:
    """Two teachers designated in each establishment with a principal but no referent."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from accounts.demo import DEMO_PASSWORD
    from accounts.models import User
    from accounts.services import membership_grant
    from indemnities.demo_allocations import split_envelope
    from indemnities.envelopes import envelopes_for, rule_set_for
    from indemnities.selectors_amounts import amount_rules
    from indemnities.services.allocations import allocation_set

    domain = f"{academie.slug}.rupn-demo.example"
    teachers = list(TEACHERS)
    rule_set = rule_set_for(academie.pk, year)
    for establishment in academie.establishments.order_by("uai"):
        principal = _principal(establishment.pk)
        if principal is None or referents_of(establishment, year).exists():
            continue
        designated = []
        pair, teachers = teachers[:2], teachers[2:]
        for civility, first, last, discipline in pair:
            email = f"{first}.{last}@{domain}".lower().replace("é", "e").replace("è", "e")
            # Names of the demo accounts are not reused: a letter never shows two people alike.
            user = User.objects.filter(email=email).first() or User.objects.create(
                email=email,
                civility=civility,
                first_name=first,
                last_name=last,
                discipline=discipline,
                password=make_password(DEMO_PASSWORD),
            )
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            designated.append(
                membership_grant(
                    academie=academie,
                    user=user,
                    role=Role.RUPN,
                    actor=scope_for(principal),
                    establishments=[establishment],
                    school_year=year,
                )
            )
        if rule_set is None or not designated:
            continue
        envelope = envelopes_for(
            academie_id=academie.pk, school_year=year, establishments=[establishment]
        )[establishment.pk].amount
        if envelope is None:
            continue
        amounts = split_envelope(envelope, len(designated), amount_rules(rule_set))
        if amounts:
            allocation_set(
                establishment=establishment,
                school_year=year,
                amounts=dict(zip(designated, amounts, strict=False)),
                actor=scope_for(principal),
            )


def _content(letter: Letter, index: int) -> LetterContent:
    template = templates_with_parts([letter.template_id])[letter.template_id]
    content = LetterContent.of(letter.content)
    tasks = content.tasks
    if index % 2 and len(tasks) > 2:
        tasks = tasks[: len(tasks) - 1]  # principals do not give every task
    texts = {
        s.position: FREE_TEXTS[index % len(FREE_TEXTS)]
        for s in template.sections.all()
        if s.kind == SectionKind.FREE_TEXT
    }
    return LetterContent(tasks=tasks, texts=texts, training=index % 3 == 0)


def _walk(letter: Letter, target: str, principal: Membership, admin: Membership) -> Letter:
    direction = scope_for(principal)
    referent = scope_for(letter.referent)
    steps = [
        (LetterStatus.SENT, "send", direction),
        (LetterStatus.REFERENT_SIGNED, "sign_referent", referent),
        (LetterStatus.AWAITING_VISA, "sign_principal", direction),
        (LetterStatus.ISSUED, "visa", scope_for(admin)),
    ]
    if target == LetterStatus.CHANGES_REQUESTED:
        letter = letter_transition(letter=letter, name="send", actor=direction)
        return letter_transition(
            letter=letter,
            name="request_changes",
            actor=referent,
            comment="Pouvez-vous ajouter l’accompagnement des collègues sur Pronote ?",
        )
    final = LetterStatus.ISSUED if target == AMENDED else target
    for reached, name, actor in steps:
        if letter.status == final or letter.status == LetterStatus.ISSUED:
            break
        if name == "visa" and letter.status != LetterStatus.AWAITING_VISA:
            continue
        signing = DEMO_SIGNING if name != "send" else None
        letter = letter_transition(letter=letter, name=name, actor=actor, signing=signing)
        if reached == final:
            break
    if target == AMENDED and letter.status == LetterStatus.ISSUED:
        amendment = letter_amend(
            letter=letter,
            reason="Le référent prend en charge l’accompagnement Pix à partir de janvier.",
            actor=direction,
        )
        letter_update(
            letter=amendment,
            content=_content(amendment, 0),
            revision=amendment.revision,
            actor=direction,
        )
        _walk(amendment, LetterStatus.ISSUED, principal, admin)
    return letter


@transaction.atomic
def load_demo_letters(*, academie: Academie, school_years: Iterable[SchoolYear]) -> None:
    admin = (
        Membership.objects.active()
        .filter(academie=academie, role=Role.DANE_ADMIN)
        .order_by("pk")
        .first()
    )
    if admin is None:
        return
    current = SchoolYear.objects.current()
    for year in sorted(school_years, key=lambda y: y.start_year):
        template = published_template_of(academie.pk, year)
        if template is None:
            continue
        states = CURRENT_STATES if year.start_year >= current.start_year else PAST_STATES
        if not template.requires_dan_visa:
            states = [s for s in states if s != LetterStatus.AWAITING_VISA]
        _designate_teachers(academie, year, admin)
        pending = []
        for establishment in academie.establishments.order_by("uai"):
            principal = _principal(establishment.pk)
            if principal is None:
                continue
            for referent in referents_of(establishment, year):
                if not Letter.objects.filter(
                    establishment=establishment, school_year=year, referent=referent
                ).exists():
                    pending.append((referent, establishment, principal))
        pending.sort(key=lambda item: _order(item[0]))
        for index, (referent, establishment, principal) in enumerate(pending):
            letter = letter_create(
                establishment=establishment,
                school_year=year,
                referent=referent,
                actor=scope_for(principal),
            )
            letter = letter_update(
                letter=letter,
                content=_content(letter, index),
                revision=letter.revision,
                actor=scope_for(principal),
            )
            _walk(letter, states[index % len(states)], principal, admin)
