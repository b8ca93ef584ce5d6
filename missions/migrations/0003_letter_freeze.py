"""The database guards signed and issued letters, whatever path an UPDATE takes (the
application, the Django admin, the ORM, SQL):

- an issued letter never changes and is never deleted;
- a letter with signatures keeps its content, template, referent and signed document; the
  only way back to draft clears the signed document once every signature is voided, with the
  content unchanged;
- a signature is never deleted, and only changes once: from valid to voided.

Letters and signatures also carry the académie of their parents (tenancy.constraints).

On SQLite (development and quick tests) the same rules hold for UPDATE; deletions are left to
the application there, since the test database is emptied row by row between tests.
"""

from django.db import migrations

from tenancy.constraints import same_academie_as_parent

POSTGRESQL_GUARD = """
CREATE FUNCTION missions_letter_freeze() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'issued' OR OLD.signed_sha256 <> '' THEN
            RAISE EXCEPTION 'lettre %% signée ou émise : suppression refusée', OLD.reference
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'issued' THEN
        RAISE EXCEPTION 'lettre %% émise : elle ne change plus', OLD.reference
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.signed_sha256 <> '' THEN
        IF NEW.content IS DISTINCT FROM OLD.content
           OR NEW.template_id IS DISTINCT FROM OLD.template_id
           OR NEW.referent_id IS DISTINCT FROM OLD.referent_id
           OR NEW.establishment_id IS DISTINCT FROM OLD.establishment_id
           OR NEW.school_year_id IS DISTINCT FROM OLD.school_year_id
           OR NEW.reference IS DISTINCT FROM OLD.reference
           OR NEW.supersedes_id IS DISTINCT FROM OLD.supersedes_id
           OR NEW.amendment_reason IS DISTINCT FROM OLD.amendment_reason THEN
            RAISE EXCEPTION 'lettre %% signée : son contenu ne change plus', OLD.reference
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF NEW.signed_sha256 = '' THEN
            IF NEW.status <> 'draft' OR NEW.signed_document <> '' OR EXISTS (
                SELECT 1 FROM missions_lettersignature
                WHERE letter_id = OLD.id AND voided_at IS NULL
            ) THEN
                RAISE EXCEPTION 'lettre %% : annulez ses signatures avant de la retirer',
                    OLD.reference USING ERRCODE = 'restrict_violation';
            END IF;
        ELSIF NEW.signed_sha256 <> OLD.signed_sha256
              OR NEW.signed_document <> OLD.signed_document THEN
            RAISE EXCEPTION 'lettre %% signée : le document signé ne change plus', OLD.reference
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER missions_letter_freeze
    BEFORE UPDATE OR DELETE ON missions_letter
    FOR EACH ROW EXECUTE FUNCTION missions_letter_freeze();

CREATE FUNCTION missions_signature_freeze() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'une signature ne se supprime pas' USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.voided_at IS NOT NULL OR NEW.voided_at IS NULL
       OR (to_jsonb(NEW) - 'voided_at' - 'voided_by_id' - 'void_reason')
          IS DISTINCT FROM (to_jsonb(OLD) - 'voided_at' - 'voided_by_id' - 'void_reason') THEN
        RAISE EXCEPTION 'une signature ne change pas ; elle peut seulement être annulée'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER missions_signature_freeze
    BEFORE UPDATE OR DELETE ON missions_lettersignature
    FOR EACH ROW EXECUTE FUNCTION missions_signature_freeze();
"""
POSTGRESQL_UNGUARD = """
DROP TRIGGER IF EXISTS missions_letter_freeze ON missions_letter;
DROP FUNCTION IF EXISTS missions_letter_freeze();
DROP TRIGGER IF EXISTS missions_signature_freeze ON missions_lettersignature;
DROP FUNCTION IF EXISTS missions_signature_freeze();
"""
_CONTENT_CHANGED = " OR ".join(
    f"NEW.{column} IS NOT OLD.{column}"
    for column in (
        "content",
        "template_id",
        "referent_id",
        "establishment_id",
        "school_year_id",
        "reference",
        "supersedes_id",
        "amendment_reason",
    )
)
SQLITE_GUARD = [
    """CREATE TRIGGER missions_letter_issued BEFORE UPDATE ON missions_letter
    FOR EACH ROW WHEN OLD.status = 'issued'
    BEGIN SELECT RAISE(ABORT, 'lettre émise : elle ne change plus'); END;""",
    f"""CREATE TRIGGER missions_letter_signed BEFORE UPDATE ON missions_letter
    FOR EACH ROW WHEN OLD.signed_sha256 <> '' AND ({_CONTENT_CHANGED})
    BEGIN SELECT RAISE(ABORT, 'lettre signée : son contenu ne change plus'); END;""",
    """CREATE TRIGGER missions_letter_withdrawn BEFORE UPDATE ON missions_letter
    FOR EACH ROW WHEN OLD.signed_sha256 <> '' AND NEW.signed_sha256 = '' AND (
        NEW.status <> 'draft' OR NEW.signed_document <> '' OR EXISTS (
            SELECT 1 FROM missions_lettersignature WHERE letter_id = OLD.id AND voided_at IS NULL
        ))
    BEGIN SELECT RAISE(ABORT, 'annulez les signatures avant de retirer la lettre'); END;""",
    """CREATE TRIGGER missions_letter_document BEFORE UPDATE ON missions_letter
    FOR EACH ROW WHEN OLD.signed_sha256 <> '' AND NEW.signed_sha256 <> '' AND (
        NEW.signed_sha256 <> OLD.signed_sha256 OR NEW.signed_document <> OLD.signed_document)
    BEGIN SELECT RAISE(ABORT, 'lettre signée : le document signé ne change plus'); END;""",
    """CREATE TRIGGER missions_signature_update BEFORE UPDATE ON missions_lettersignature
    FOR EACH ROW WHEN OLD.voided_at IS NOT NULL OR NEW.voided_at IS NULL
        OR NEW.letter_id IS NOT OLD.letter_id OR NEW.kind IS NOT OLD.kind
        OR NEW.signer_id IS NOT OLD.signer_id OR NEW.signed_at IS NOT OLD.signed_at
        OR NEW.content_sha256 IS NOT OLD.content_sha256 OR NEW.ip_address IS NOT OLD.ip_address
        OR NEW.user_agent IS NOT OLD.user_agent OR NEW.membership_id IS NOT OLD.membership_id
        OR NEW.signer_name IS NOT OLD.signer_name OR NEW.role IS NOT OLD.role
    BEGIN SELECT RAISE(ABORT, 'une signature peut seulement être annulée'); END;""",
]
SQLITE_UNGUARD = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (
        "missions_letter_issued",
        "missions_letter_signed",
        "missions_letter_withdrawn",
        "missions_letter_document",
        "missions_signature_update",
    )
]


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_GUARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_GUARD:
            schema_editor.execute(statement)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_UNGUARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UNGUARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("missions", "0002_letters"),
        ("accounts", "0006_user_discipline"),
        ("establishments", "__first__"),
    ]

    operations = [
        migrations.RunPython(guard, unguard),
        same_academie_as_parent(
            child="missions_letter",
            column="establishment_id",
            parent="establishments_establishment",
            name="letter_establishment_same_academie",
        ),
        same_academie_as_parent(
            child="missions_letter",
            column="referent_id",
            parent="accounts_membership",
            name="letter_referent_same_academie",
        ),
        same_academie_as_parent(
            child="missions_lettersignature",
            column="letter_id",
            parent="missions_letter",
            name="signature_letter_same_academie",
        ),
    ]
