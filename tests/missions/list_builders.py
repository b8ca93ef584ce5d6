"""Builders for the lists' tests: letters of other referents and of the académie's lycée."""

from __future__ import annotations

from dataclasses import replace

from accounts.models import Role
from accounts.scopes import scope_for
from accounts.services import membership_grant
from missions.content import LetterContent
from missions.models import Letter, LetterStatus
from missions.services_letters import letter_update
from tenancy.scope import Scope
from tests.factories import AcademieWorld, make_user
from tests.indemnities.allocations.conftest import add_referent
from tests.missions.letters import advance, draft_letter


def other_school(world: AcademieWorld) -> AcademieWorld:
    """The same académie seen from its lycée (`other_establishment`, last département), with a
    principal of its own: letters there go through the same services."""
    principal = membership_grant(
        academie=world.academie,
        user=make_user(f"principal.lycee.{world.academie.slug}@test.fr"),
        role=Role.PRINCIPAL,
        actor=Scope.platform(world.academie.pk),
        establishments=[world.other_establishment],
    )
    return replace(world, establishment=world.other_establishment, principal=principal)


def letter_for(
    world: AcademieWorld, email: str, *, until: LetterStatus, last_name: str = "Martin"
) -> Letter:
    referent = add_referent(world.establishment, email, last_name=last_name)
    letter = draft_letter(world, referent=referent, amount=None)
    return advance(letter, world, until=until) if until != LetterStatus.DRAFT else letter


def with_training(letter: Letter, world: AcademieWorld) -> Letter:
    content = LetterContent.of(letter.content)
    return letter_update(
        letter=letter,
        content=replace(content, training=True),
        revision=letter.revision,
        actor=scope_for(world.principal),
    )
