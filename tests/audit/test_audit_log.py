"""The audit log: written by each service in its transaction, append-only, read as French."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.scopes import scope_for
from accounts.services import (
    invitation_cancel,
    invitation_create,
    membership_grant,
    membership_revoke,
)
from audit.models import AppendOnlyError, AuditEvent
from audit.selectors import history_for, history_lines
from audit.services import AuditOutsideTransactionError, audit_record
from establishments.models import SchoolYear
from indemnities.services.allocations import allocation_set
from indemnities.services.certifications import service_certify
from indemnities.services.envelopes import envelope_override_clear, envelope_override_set
from indemnities.services.letters import allocation_cover_by_letter, allocation_release_letter
from indemnities.services.rules import rule_set_lock, rule_set_update
from tenancy.roles import Role
from tests.factories import make_user
from tests.indemnities.allocations.conftest import ImpWorld

pytestmark = pytest.mark.django_db

D = Decimal


def _last() -> AuditEvent:
    return AuditEvent.objects.order_by("-pk").first()  # type: ignore[return-value]


def test_each_service_records_who_in_which_role(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    world = poitiers.world
    year = poitiers.rules.school_year
    admin, principal = scope_for(world.dane_admin), scope_for(world.principal)

    def check(verb: str, actor_membership, *, target=None) -> AuditEvent:  # type: ignore[no-untyped-def]
        event = _last()
        assert event.verb == verb
        assert event.academie_id == world.academie.pk
        assert event.actor_id == actor_membership.user_id
        assert event.actor_membership_id == actor_membership.pk
        assert event.actor_role == actor_membership.role
        if target is not None:
            assert (event.target_type, event.target_id) == (target._meta.label_lower, target.pk)
        return event

    allocations = allocation_set(
        establishment=poitiers.establishment,
        school_year=year,
        amounts={world.rupn: D("1250.00")},
        actor=principal,
    )
    check("allocation.set", world.principal, target=allocations[0])
    allocation = allocations[0]
    envelope_override_set(
        establishment=poitiers.establishment,
        school_year=year,
        amount=D("3750.00"),
        justification="Effectif en forte hausse à la rentrée.",
        actor=admin,
    )
    assert check("envelope.override", world.dane_admin).reason.startswith("Effectif")
    envelope_override_clear(establishment=poitiers.establishment, school_year=year, actor=admin)
    check("envelope.override_clear", world.dane_admin)
    allocation_cover_by_letter(allocation=allocation, letter_reference="LM-A1", actor=admin)
    check("allocation.letter_cover", world.dane_admin, target=allocation)
    certification = service_certify(
        allocation=allocation, status="full", months_done=None, comment="", actor=principal
    )
    check("certification.create", world.principal, target=certification)
    service_certify(
        allocation=allocation, status="partial", months_done=4, comment="Mutation.", actor=admin
    )
    check("certification.correct", world.dane_admin)
    allocation_release_letter(allocation=allocation, actor=admin, reason="Avenant.")
    check("allocation.letter_release", world.dane_admin, target=allocation)
    rule_set_update(
        rule_set=poitiers.rules,
        base_rate=D("1300.00"),
        max_referents=3,
        max_referents_policy="warning",
        multiples=[D("0.25"), D("1")],
        bands=[
            ("college", 0, None, D("2")),
            ("lycee", 0, None, D("3")),
            ("erea", 0, None, D("2")),
        ],
        actor=admin,
    )
    check("rules.update", world.dane_admin, target=poitiers.rules)
    rule_set_lock(rule_set=poitiers.rules, actor=admin)
    check("rules.lock", world.dane_admin)
    granted = membership_grant(
        academie=world.academie,
        user=make_user("nouveau.rupn@test.fr"),
        role=Role.RUPN,
        actor=admin,
        establishments=[world.establishment],
        school_year=year,
    )
    check("membership.grant", world.dane_admin, target=granted)
    membership_revoke(membership=granted, actor=admin)
    check("membership.revoke", world.dane_admin, target=granted)
    invitation, _ = invitation_create(
        academie=world.academie,
        email="invite@test.fr",
        role=Role.DANE_COORDINATOR,
        actor=admin,
        departements=[world.establishment.departement],
        base_url="http://testserver",
    )
    check("invitation.create", world.dane_admin, target=invitation)
    invitation_cancel(invitation=invitation, actor=admin)
    check("invitation.cancel", world.dane_admin, target=invitation)


def test_a_refused_change_records_nothing(imp: tuple[ImpWorld, ImpWorld]) -> None:
    from django.core.exceptions import ValidationError

    poitiers, _ = imp
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        allocation_set(
            establishment=poitiers.establishment,
            school_year=poitiers.rules.school_year,
            amounts={poitiers.world.rupn: D("9999.00")},
            actor=scope_for(poitiers.world.principal),
        )
    assert AuditEvent.objects.count() == count


def test_the_record_rolls_back_with_the_change(imp: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = imp
    count = AuditEvent.objects.count()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        allocation_set(
            establishment=poitiers.establishment,
            school_year=poitiers.rules.school_year,
            amounts={poitiers.world.rupn: D("625.00")},
            actor=scope_for(poitiers.world.principal),
        )
        raise Abort
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused(worlds) -> None:
    poitiers, _ = worlds
    with pytest.raises(AuditOutsideTransactionError):
        audit_record(actor=scope_for(poitiers.dane_admin), verb="x.y", summary="a fait")


def test_the_orm_neither_updates_nor_deletes_an_event(worlds) -> None:
    poitiers, _ = worlds
    with transaction.atomic():
        event = audit_record(actor=scope_for(poitiers.dane_admin), verb="x.y", summary="a fait")
    event.summary = "autre chose"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="autre chose")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_the_database_refuses_an_update(worlds) -> None:
    """On PostgreSQL (and SQLite) a trigger refuses an UPDATE that bypasses the ORM's guard."""
    poitiers, _ = worlds
    with transaction.atomic():
        event = audit_record(actor=scope_for(poitiers.dane_admin), verb="x.y", summary="a fait")
    with pytest.raises(IntegrityError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["falsifié", event.pk]
            )
    assert AuditEvent.objects.get(pk=event.pk).summary == "a fait"


def test_the_database_refuses_a_delete_on_postgresql(worlds) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "Suppression refusée par déclencheur sur PostgreSQL seulement "
            "(SQLite vide ses bases de test par DELETE)."
        )
    poitiers, _ = worlds
    with transaction.atomic():
        event = audit_record(actor=scope_for(poitiers.dane_admin), verb="x.y", summary="a fait")
    with pytest.raises(IntegrityError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_history_reads_as_french_with_the_person_role_and_date(imp, settings) -> None:
    poitiers, _ = imp
    world = poitiers.world
    admin_user = world.dane_admin.user
    admin_user.first_name, admin_user.last_name, admin_user.civility = "Sophie", "Garnier", "mme"
    admin_user.save()
    establishment = poitiers.establishment
    establishment.name = "Collège Fromentin"
    establishment.save()
    year = poitiers.rules.school_year
    moment = timezone.make_aware(datetime.datetime(2026, 10, 3, 14, 2))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: moment)
        envelope_override_set(
            establishment=establishment,
            school_year=year,
            amount=D("3750.00"),
            justification="Ouverture d’une classe ULIS.",
            actor=scope_for(world.dane_admin),
        )
    lines = history_lines(
        history_for(
            scope_for(world.dane_admin),
            establishment_id=establishment.pk,
            school_year_id=year.pk,
            verb_prefix="envelope.",
        )
    )
    assert [line.sentence for line in lines] == [
        f"Sophie Garnier, administratrice DANE, a porté l’enveloppe IMP {year.label} de "
        "Collège Fromentin de 2\u202f500,00\u00a0€ à 3\u202f750,00\u00a0€ le 3\u00a0octobre 2026 à "
        "14\u00a0h\u00a002 — motif\u00a0: Ouverture d’une classe ULIS."
    ]
    # Another académie's scope reads none of it.
    _, bordeaux = imp
    assert not history_for(
        scope_for(bordeaux.world.dane_admin), establishment_id=establishment.pk
    ).exists()


def test_the_panels_show_the_history(imp, acting_client) -> None:
    poitiers, _ = imp
    year = SchoolYear.objects.current()
    allocation_set(
        establishment=poitiers.establishment,
        school_year=year,
        amounts={poitiers.world.rupn: D("1250.00")},
        actor=scope_for(poitiers.world.principal),
    )
    page = acting_client(poitiers.world.principal).get(
        f"/indemnites/attributions/{poitiers.establishment.pk}/{year.start_year}/"
    )
    body = page.content.decode()
    assert "Historique de la répartition" in body
    assert "a attribué une IMP de 1\u202f250,00\u00a0€" in body


def test_the_members_page_shows_who_granted_and_revoked(worlds, acting_client) -> None:
    poitiers, bordeaux = worlds
    admin = poitiers.dane_admin
    membership_revoke(membership=poitiers.deputy, actor=scope_for(admin))
    body = acting_client(admin).get("/membres/").content.decode()
    assert "Dernières modifications des rôles et invitations" in body
    assert "a retiré le rôle «\u00a0Adjoint au chef d’établissement\u00a0»" in body
    revoke_page = acting_client(admin).get(f"/membres/{poitiers.rupn.pk}/revoquer/")
    assert "Historique de ce rôle" in revoke_page.content.decode()
    # Bordeaux's DANE reads none of Poitiers' history.
    other = acting_client(bordeaux.dane_admin).get("/membres/").content.decode()
    assert "a retiré le rôle" not in other
