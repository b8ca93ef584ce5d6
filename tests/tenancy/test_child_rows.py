"""A child row's académie is its parent's: the database refuses any other."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from establishments.models import Establishment, PupilCount, SchoolYear
from indemnities.models import Allocation, EnvelopeOverride, ServiceCertification
from tests.factories import make_establishment

pytestmark = pytest.mark.django_db


def _refused(build) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        if connection.vendor == "postgresql":
            # Foreign keys are checked at commit there; a test transaction never commits.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        build()


def test_children_cannot_name_another_academie_than_their_parent(worlds):
    poitiers, bordeaux = worlds
    year = SchoolYear.objects.current()
    other = bordeaux.academie
    _refused(
        lambda: PupilCount.objects.create(
            academie=other, establishment=poitiers.other_establishment, school_year=year, pupils=1
        )
    )
    _refused(
        lambda: EnvelopeOverride.objects.create(
            academie=other,
            establishment=poitiers.establishment,
            school_year=year,
            amount=Decimal("1.00"),
            justification="hors académie",
        )
    )
    _refused(
        lambda: Allocation.objects.create(
            academie=other,
            establishment=poitiers.establishment,
            school_year=year,
            referent=poitiers.rupn,
            amount=Decimal("625.00"),
        )
    )
    # Same académie as the establishment, but a referent of the other académie.
    _refused(
        lambda: Allocation.objects.create(
            academie=poitiers.academie,
            establishment=poitiers.establishment,
            school_year=year,
            referent=bordeaux.rupn,
            amount=Decimal("625.00"),
        )
    )
    allocation = Allocation.objects.create(
        academie=poitiers.academie,
        establishment=poitiers.establishment,
        school_year=year,
        referent=poitiers.rupn,
        amount=Decimal("625.00"),
    )
    _refused(
        lambda: ServiceCertification.objects.create(
            academie=other, allocation=allocation, status="full", months_done=9, amount=1
        )
    )
    # An establishment in a département of another académie.
    _refused(
        lambda: make_establishment(
            academie=poitiers.academie, departement=bordeaux.establishment.departement
        )
    )
    # Moving a row to another académie is refused the same way.
    _refused(lambda: Allocation.objects.filter(pk=allocation.pk).update(academie=other))
    assert Establishment.objects.filter(academie=poitiers.academie).count() == 2
