"""A fingerprint of every row of every model, to prove a forbidden request changed nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.apps import apps
from django.db import models

# Sessions change on every sign-in and carry no tenant data: the only table left out.
IGNORED_MODELS = frozenset({"sessions.session"})


@dataclass(frozen=True)
class Row:
    digest: str
    academie_id: object  # the row's académie when the model has one, else None


Snapshot = dict[str, dict[object, Row]]


def _academie_field(model: type[models.Model]) -> str | None:
    for field in model._meta.concrete_fields:
        if field.name == "academie" and field.is_relation:
            return field.attname
    return None


def take_snapshot() -> Snapshot:
    """Every row of every installed model (auto-created M2M tables included), by primary key."""
    snapshot: Snapshot = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in IGNORED_MODELS:
            continue
        attnames = [field.attname for field in model._meta.concrete_fields]
        academie_attname = _academie_field(model)
        pk_attname = model._meta.pk.attname
        rows: dict[object, Row] = {}
        for values in model._base_manager.order_by().values(*attnames):
            digest = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()
            academie_id = values[academie_attname] if academie_attname else None
            rows[values[pk_attname]] = Row(digest=digest, academie_id=academie_id)
        snapshot[label] = rows
    return snapshot


def snapshot_changes(
    before: Snapshot,
    after: Snapshot,
    *,
    may_create: frozenset[str] = frozenset(),
    own_academie_id: object = None,
) -> list[str]:
    """What differs, in French; empty when nothing changed.

    `may_create` lists models in which new rows are tolerated (a form a role may legitimately
    submit for its own académie), provided each new row that has an académie has
    `own_academie_id` (rows without one, such as the bands of a new rule set, are tolerated).
    """
    problems: list[str] = []
    for label in sorted(set(before) | set(after)):
        rows_before = before.get(label, {})
        rows_after = after.get(label, {})
        deleted = sorted(set(rows_before) - set(rows_after), key=repr)
        changed = sorted(
            (pk for pk in set(rows_before) & set(rows_after) if rows_before[pk] != rows_after[pk]),
            key=repr,
        )
        created = sorted(set(rows_after) - set(rows_before), key=repr)
        if deleted:
            problems.append(f"{label} : lignes supprimées {deleted}")
        if changed:
            problems.append(f"{label} : lignes modifiées {changed}")
        if created:
            foreign = [
                pk
                for pk in created
                if label not in may_create
                or (
                    rows_after[pk].academie_id is not None
                    and rows_after[pk].academie_id != own_academie_id
                )
            ]
            if foreign:
                problems.append(f"{label} : lignes créées {foreign}")
    return problems
