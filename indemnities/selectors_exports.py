"""Who gets how much for a year: the rows of the payroll export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from establishments.access import establishments_visible_to
from establishments.models import SchoolYear
from indemnities.envelopes import rule_set_for
from indemnities.models import (
    Allocation,
    ServiceCertification,
)
from tenancy.scope import Scope


@dataclass(frozen=True)
class ExportRow:
    uai: str
    establishment: str
    civility: str
    last_name: str
    first_name: str
    email: str
    amount: Decimal
    multiple: Decimal | None
    status: str | None  # ServiceStatus value of the certification in force, None if none
    months_done: int | None
    certified_at: datetime | None
    amount_due: Decimal | None


def export_rows(
    *,
    scope: Scope,
    school_year: SchoolYear,
    departement_id: int | None = None,
    establishment_type: str = "",
) -> list[ExportRow]:
    """Who gets how much for the year, sorted by UAI then name, in 4 queries."""
    establishments = establishments_visible_to(scope)
    if departement_id:
        establishments = establishments.filter(departement_id=departement_id)
    if establishment_type:
        establishments = establishments.filter(type=establishment_type)
    latest = ServiceCertification.objects.filter(allocation=OuterRef("pk")).order_by(
        "-certified_at", "-pk"
    )
    establishment_ids = list(establishments.values_list("pk", flat=True))
    allocations = (
        Allocation.objects.current()
        .filter(
            academie_id=scope.academie_id,
            school_year=school_year,
            establishment_id__in=establishment_ids,
        )
        .select_related("establishment", "referent__user")
        .annotate(
            cert_status=Subquery(latest.values("status")[:1]),
            cert_months=Subquery(latest.values("months_done")[:1]),
            cert_at=Subquery(latest.values("certified_at")[:1]),
            cert_amount=Subquery(latest.values("amount")[:1]),
        )
        .order_by(
            "establishment__uai",
            "referent__user__last_name",
            "referent__user__first_name",
            "referent__user__email",
        )
    )
    rule_set = rule_set_for(scope.academie_id, school_year)
    base = rule_set.base_rate if rule_set else None
    rows = []
    for allocation in allocations:
        user = allocation.referent.user
        rows.append(
            ExportRow(
                uai=allocation.establishment.uai,
                establishment=allocation.establishment.name,
                civility=user.get_civility_display() if user.civility else "",
                last_name=user.last_name,
                first_name=user.first_name,
                email=user.email,
                amount=allocation.amount,
                multiple=(allocation.amount / base).quantize(Decimal("0.01")) if base else None,
                status=allocation.cert_status,  # type: ignore[attr-defined]
                months_done=allocation.cert_months,  # type: ignore[attr-defined]
                certified_at=allocation.cert_at,  # type: ignore[attr-defined]
                amount_due=allocation.cert_amount,  # type: ignore[attr-defined]
            )
        )
    return rows
