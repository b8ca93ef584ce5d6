"""A child row's copied `academie` always equals its parent's, checked by the database.

Tenant tables carry their `academie` (so that every query filters on the row itself), and some of
them also point at a parent that has one: a pupil count at its establishment, an allocation at
its establishment and its referent's membership, a certification at its allocation. This
migration operation makes the database refuse a child whose académie differs from its parent's:

- PostgreSQL: a composite foreign key `(parent_id, academie_id)` → parent `(id, academie_id)`,
  which needs a unique `(id, academie)` on the parent (a `UniqueConstraint` in its model);
- SQLite: triggers before INSERT and UPDATE that abort on a mismatch.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def same_academie_as_parent(
    *, child: str, column: str, parent: str, name: str
) -> migrations.RunPython:
    """`child.column` → `parent.id`, and `child.academie_id` = `parent.academie_id`."""
    message = f"{child}.academie_id doit être celle de {parent} ({column})"

    def forwards(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {child} ADD CONSTRAINT {name} FOREIGN KEY ({column}, academie_id) "
                f"REFERENCES {parent} (id, academie_id) DEFERRABLE INITIALLY DEFERRED"
            )
        elif vendor == "sqlite":
            for event in ("INSERT", "UPDATE"):
                # Table and column names are the migration's own constants, never input.
                when = f"(SELECT academie_id FROM {parent} WHERE id = NEW.{column})"  # noqa: S608
                trigger = (
                    f"CREATE TRIGGER {name}_{event.lower()} BEFORE {event} ON {child} "
                    f"FOR EACH ROW WHEN {when} IS NOT NEW.academie_id "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
                schema_editor.execute(trigger)

    def backwards(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {child} DROP CONSTRAINT IF EXISTS {name}")
        elif vendor == "sqlite":
            for event in ("insert", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")

    return migrations.RunPython(forwards, backwards)
