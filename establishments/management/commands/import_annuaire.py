"""Imports the national "Annuaire de l'éducation" CSV into an académie, from the shell.

    manage.py import_annuaire fr-en-annuaire-education.csv --academie poitiers \
        [--annee 2025-2026] [--lignes-valides-seulement] [--apercu]

Goes through the same services as the browser: a preview is stored, then applied (all or
nothing unless --lignes-valides-seulement). With --apercu nothing is written at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from establishments.imports.apply import (
    EstablishmentImportError,
    establishment_import_apply,
    establishment_import_preview,
)
from establishments.imports.parse import AnnuaireFileError
from establishments.imports.plan import establishment_import_plan
from establishments.management.french_arguments import FrenchArgumentsMixin
from establishments.models import Academie, SchoolYear
from establishments.school_years import parse_school_year_label
from tenancy.guard import academie_scope
from tenancy.scope import Scope

MAX_LISTED = 50


def os_error_reason(exc: OSError) -> str:
    """Why a file cannot be read, in French (the system's own message is in English)."""
    if isinstance(exc, FileNotFoundError):
        return "ce fichier n’existe pas (vérifiez le chemin)"
    if isinstance(exc, IsADirectoryError):
        return "c’est un dossier, pas un fichier"
    if isinstance(exc, PermissionError):
        return "accès refusé (droits de lecture insuffisants)"
    return (
        f"erreur du système de fichiers (code {exc.errno})" if exc.errno else "lecture impossible"
    )


def read_file(path: Path) -> bytes:
    """The file's bytes, or a `CommandError` in French; nothing is changed either way."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(
            f"Impossible de lire le fichier « {path} » : {os_error_reason(exc)}. "
            "Rien n’a été modifié."
        ) from exc


class Command(FrenchArgumentsMixin, BaseCommand):
    help = "Importe l’export CSV de l’Annuaire de l’éducation dans une académie."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fichier", help="Chemin du fichier CSV (séparateur « ; », UTF-8).")
        # Not `required=True`: argparse would answer in English; `handle` says it in French.
        parser.add_argument("--academie", help="Identifiant (slug) de l’académie, ex. poitiers.")
        parser.add_argument(
            "--annee",
            help="Année scolaire des effectifs, ex. 2025-2026 (par défaut : l’année en cours).",
        )
        parser.add_argument(
            "--lignes-valides-seulement",
            action="store_true",
            dest="only_valid_rows",
            help="Importer les lignes valides même si d’autres sont rejetées.",
        )
        parser.add_argument(
            "--apercu",
            action="store_true",
            dest="dry_run",
            help="Afficher ce que l’import ferait sans rien enregistrer.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        academie = Academie.objects.filter(slug=options["academie"]).first()
        if academie is None:
            return self._handle(*args, **options)  # refused there, in French
        # The command works for one académie: its tenancy scope is open, as a request's is.
        with academie_scope(academie.pk):
            return self._handle(*args, **options)

    def _handle(self, *args: Any, **options: Any) -> None:
        if not options["academie"]:
            raise CommandError(
                "Précisez l’académie avec --academie (son identifiant, ex. --academie poitiers)."
            )
        academie = Academie.objects.filter(slug=options["academie"]).first()
        if academie is None:
            known = ", ".join(Academie.objects.values_list("slug", flat=True)) or "aucune"
            raise CommandError(
                f"Académie « {options['academie']} » inconnue (académies connues : {known})."
            )
        school_year = self._school_year(options["annee"])
        path = Path(options["fichier"])
        content = read_file(path)

        self.stdout.write(
            f"Import de « {path.name} » dans l’{academie} – effectifs {school_year.label}"
        )
        try:
            if options["dry_run"]:
                plan = establishment_import_plan(
                    academie=academie, school_year=school_year, content_bytes=content
                )
                self._print_report(plan.report(filename=path.name))
                self.stdout.write(self.style.WARNING("Aperçu seulement : rien n’a été enregistré."))
                return
            preview = establishment_import_preview(
                academie=academie,
                school_year=school_year,
                filename=path.name,
                content_bytes=content,
                actor=Scope.platform(academie.pk),
            )
            applied = establishment_import_apply(
                establishment_import=preview,
                actor=Scope.platform(academie.pk),
                only_valid_rows=options["only_valid_rows"],
            )
        except AnnuaireFileError as exc:
            raise CommandError(
                f"Fichier refusé, rien n’a été modifié. {' '.join(exc.messages)}"
            ) from exc
        except EstablishmentImportError as exc:
            self._print_report(preview.report)
            raise CommandError(
                f"{' '.join(exc.messages)} L’aperçu n° {preview.pk} reste consultable dans "
                "l’application."
            ) from exc
        self._print_report(applied.report)
        self.stdout.write(self.style.SUCCESS(f"Import n° {applied.pk} appliqué."))

    def _school_year(self, label: str | None) -> SchoolYear:
        if not label:
            return SchoolYear.objects.current()
        try:
            start_year = parse_school_year_label(label)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        year, _ = SchoolYear.objects.get_or_create(start_year=start_year)
        return year

    def _print_report(self, report: dict[str, Any]) -> None:
        counts = report.get("counts", {})
        write = self.stdout.write
        write(f"Lignes lues : {report.get('total_rows', 0)}")
        write(f"  créés : {counts.get('created', 0)}")
        write(f"  mis à jour : {counts.get('updated', 0)}")
        write(f"  inchangés : {counts.get('unchanged', 0)}")
        write(f"  ignorés : {counts.get('ignored', 0)}")
        write(f"  rejetés : {counts.get('rejected', 0)}")
        write(f"  fusionnés (annexes d’un même UAI) : {counts.get('merged', 0)}")
        write(f"  effectifs manquants : {counts.get('missing_pupils', 0)}")
        if report.get("rejected"):
            write("Lignes rejetées :")
            for row in report["rejected"][:MAX_LISTED]:
                for error in row["errors"]:
                    column = f", colonne {error['column']}" if error["column"] else ""
                    write(
                        f"  ligne {row['line']}{column} ({row['uai'] or 'sans UAI'}) : "
                        f"{error['message']}"
                    )
            self._more(len(report["rejected"]))
        if report.get("merged"):
            write("Lignes fusionnées (un établissement par UAI) :")
            for merge in report["merged"][:MAX_LISTED]:
                dropped = ", ".join(f"ligne {d['line']} « {d['name']} »" for d in merge["dropped"])
                write(
                    f"  {merge['uai']} : ligne {merge['kept_line']} « {merge['kept_name']} » "
                    f"retenue ; écartée{'s' if len(merge['dropped']) > 1 else ''} : {dropped}"
                )
            self._more(len(report["merged"]))
        if report.get("updated"):
            write("Mises à jour :")
            for row in report["updated"][:MAX_LISTED]:
                changes = " ; ".join(
                    f"{c['label']} : {c['old']} → {c['new']}" for c in row["changes"]
                )
                write(f"  ligne {row['line']} {row['uai']} {row['name']} – {changes}")
            self._more(len(report["updated"]))
        if report.get("missing_pupils"):
            write("Effectifs manquants (aucun effectif n’est inventé) :")
            for row in report["missing_pupils"][:MAX_LISTED]:
                kept = "" if row.get("kept") is None else f" – {row['kept']} conservé"
                write(f"  ligne {row['line']} {row['uai']} {row['name']}{kept}")
            self._more(len(report["missing_pupils"]))
        if report.get("ignored"):
            write("Lignes ignorées :")
            for group in report["ignored"]:
                write(f"  {group['reason']} : {group['count']}")

    def _more(self, total: int) -> None:
        if total > MAX_LISTED:
            self.stdout.write(f"  … et {total - MAX_LISTED} autres.")
