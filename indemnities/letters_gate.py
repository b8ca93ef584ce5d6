"""Whether a referent's allocation is covered by an issued mission letter.

`missions` depends on `indemnities`, never the reverse, so this module does not import it: it
looks the letter model up in the app registry at call time. Until the letters app defines a
`MissionLetter` model with an issued state, no allocation has an issued letter, so only a DANE
administrator can certify the service done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

if TYPE_CHECKING:
    from django.db import models

    from indemnities.models import Allocation

LETTER_APP = "missions"
LETTER_MODEL = "MissionLetter"
# The states in which a letter has been issued (and possibly signed afterwards).
ISSUED_STATES = ("issued", "signed", "countersigned", "completed")
REFERENT_FIELDS = ("referent", "rupn", "membership")


def _letter_model() -> type[models.Model] | None:
    if not apps.is_installed(LETTER_APP):
        return None
    try:
        return apps.get_model(LETTER_APP, LETTER_MODEL)
    except LookupError:
        return None


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def allocation_has_issued_letter(allocation: Allocation) -> bool:
    model = _letter_model()
    if model is None:
        return False
    referent_field = next((f for f in REFERENT_FIELDS if _has_field(model, f)), None)
    if referent_field is None:
        return False
    filters: dict[str, Any] = {referent_field: allocation.referent_id}
    if _has_field(model, "school_year"):
        filters["school_year"] = allocation.school_year_id
    if _has_field(model, "establishment"):
        filters["establishment"] = allocation.establishment_id
    if _has_field(model, "issued_at"):
        filters["issued_at__isnull"] = False
    elif _has_field(model, "status"):
        filters["status__in"] = ISSUED_STATES
    elif _has_field(model, "state"):
        filters["state__in"] = ISSUED_STATES
    else:
        return False
    manager = model._default_manager
    return bool(manager.filter(**filters).exists())
