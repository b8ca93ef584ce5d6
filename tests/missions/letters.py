"""Builders of mission letters in each state, through the services as people would act."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import Membership
from accounts.scopes import scope_for
from establishments.models import Establishment, SchoolYear
from indemnities.models import ImpRuleSet
from indemnities.services.allocations import allocation_set
from missions.content import LetterContent
from missions.demo import BORDEAUX, POITIERS
from missions.models import Letter, LetterStatus, LetterTemplate
from missions.services_letters import (
    SigningContext,
    letter_create,
    letter_transition,
    letter_update,
)
from missions.services_templates import template_create, template_publish
from tests.factories import AcademieWorld

SIGNING = SigningContext(
    ip_address="192.0.2.10", user_agent="Mozilla/5.0 (test)", reauthenticated_with="mot de passe"
)
THIRD_TEXT = "Le référent anime la cellule numérique du collège avec le professeur documentaliste."


def publish_template(
    world: AcademieWorld, *, visa: bool | None = None, school_year: SchoolYear | None = None
) -> LetterTemplate:
    """The académie's demo template (Poitiers' or Bordeaux'), published for the year."""
    data = POITIERS if world.academie.code == "13" else BORDEAUX
    if visa is not None:
        from dataclasses import replace

        data = replace(data, requires_dan_visa=visa)
    admin = scope_for(world.dane_admin)
    template = template_create(
        academie=world.academie,
        school_year=school_year or SchoolYear.objects.current(),
        data=data,
        actor=admin,
    )
    return template_publish(template=template, actor=admin)


def give_rules(world: AcademieWorld, *, school_year: SchoolYear | None = None) -> ImpRuleSet:
    from indemnities.defaults import BORDEAUX_BANDS, POITIERS_BANDS
    from indemnities.services.rules import rule_set_create_from_table

    year = school_year or SchoolYear.objects.current()
    existing = ImpRuleSet.objects.filter(academie=world.academie, school_year=year).first()
    if existing is not None:
        return existing
    return rule_set_create_from_table(
        academie=world.academie,
        school_year=year,
        bands=POITIERS_BANDS if world.academie.code == "13" else BORDEAUX_BANDS,
        actor=scope_for(world.dane_admin),
    )


def with_free_texts(letter: Letter) -> LetterContent:
    """The letter's content with every free-text section written."""
    from missions.selectors_letters import templates_with_parts

    template = templates_with_parts([letter.template_id])[letter.template_id]
    content = LetterContent.of(letter.content)
    texts = {s.position: THIRD_TEXT for s in template.sections.all() if s.kind == "free_text"}
    return LetterContent(
        tasks=content.tasks, texts=texts, training=content.training, ends_on=content.ends_on
    )


def draft_letter(
    world: AcademieWorld,
    *,
    referent: Membership | None = None,
    establishment: Establishment | None = None,
    amount: Decimal | None = Decimal("1250.00"),
) -> Letter:
    """A draft ready to send: free texts written, an IMP given when `amount`."""
    referent = referent or world.rupn
    establishment = establishment or world.establishment
    year = SchoolYear.objects.current()
    principal = scope_for(world.principal)
    if amount:
        give_rules(world)
        allocation_set(
            establishment=establishment,
            school_year=year,
            amounts={referent: amount},
            actor=principal,
        )
    letter = letter_create(
        establishment=establishment, school_year=year, referent=referent, actor=principal
    )
    return letter_update(
        letter=letter, content=with_free_texts(letter), revision=letter.revision, actor=principal
    )


def advance(letter: Letter, world: AcademieWorld, until: LetterStatus) -> Letter:
    """Take a letter along the workflow until it reaches `until`."""
    referent = scope_for(letter.referent)
    steps = [
        ("send", scope_for(world.principal)),
        ("sign_referent", referent),
        ("sign_principal", scope_for(world.principal)),
        ("visa", scope_for(world.dane_admin)),
    ]
    from missions.workflow import TRANSITIONS

    for name, actor in steps:
        if letter.status == until:
            return letter
        if letter.status not in TRANSITIONS[name].sources:
            continue
        signing = SIGNING if name != "send" else None
        letter = letter_transition(letter=letter, name=name, actor=actor, signing=signing)
    assert letter.status == until, letter.status
    return letter
