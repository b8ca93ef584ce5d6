"""Imports the pupil counts of one school year from the ministry's datasets, from the shell.

    manage.py import_effectifs fr-en-effectifs-second-degre.csv --academie poitiers \
        --annee 2025 [--apercu]

The file is `fr-en-college-effectifs-niveau-sexe-lv` or `fr-en-effectifs-second-degre`, found
from its header. Goes through the same services as the browser: a preview is stored, then
applied. With --apercu nothing is written at all. The envelope changes are shown by the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from establishments.management.commands.import_annuaire import read_file
from establishments.management.french_arguments import FrenchArgumentsMixin
from establishments.models import Academie, SchoolYear
from establishments.pupil_counts.apply import (
    PupilCountImportError,
    pupil_count_import_apply,
    pupil_count_import_preview,
)
from establishments.pupil_counts.parse import PupilCountFileError
from establishments.pupil_counts.plan import pupil_count_import_plan
from tenancy.guard import academie_scope
from tenancy.scope import Scope

MAX_LISTED = 50


class Command(FrenchArgumentsMixin, BaseCommand):
    help = "Importe les effectifs d’une année scolaire (données du ministère) dans une académie."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fichier", help="Chemin du fichier CSV (séparateur « ; », UTF-8).")
        # Not `required=True`: argparse would answer in English; `handle` says it in French.
        parser.add_argument("--academie", help="Identifiant (slug) de l’académie, ex. poitiers.")
        parser.add_argument(
            "--annee", help="Année de rentrée de l’année scolaire, ex. 2025 pour 2025-2026."
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
            raise CommandError("Précisez l’académie avec --academie (ex. --academie poitiers).")
        academie = Academie.objects.filter(slug=options["academie"]).first()
        if academie is None:
            known = ", ".join(Academie.objects.values_list("slug", flat=True)) or "aucune"
            raise CommandError(
                f"Académie « {options['academie']} » inconnue (académies connues : {known})."
            )
        raw_year = (options["annee"] or "").strip()
        if not raw_year:
            raise CommandError("Précisez l’année de rentrée avec --annee (ex. --annee 2025).")
        if not (raw_year.isdigit() and len(raw_year) == 4 and 2000 <= int(raw_year) <= 2100):
            raise CommandError(
                f"Année « {raw_year} » invalide : l’année de rentrée est attendue, ex. 2025 pour "
                "2025-2026."
            )
        school_year = SchoolYear(start_year=int(raw_year))
        known_year = SchoolYear.objects.filter(start_year=school_year.start_year).first()
        path = Path(options["fichier"])
        content = read_file(path)
        self.stdout.write(
            f"Import des effectifs {school_year.label} de « {path.name} » dans l’{academie}"
        )
        try:
            if options["dry_run"]:
                if known_year is None:
                    raise CommandError(
                        f"Aucune donnée pour {school_year.label} dans l’application : lancez "
                        "l’import sans --apercu pour créer l’année avec ses effectifs."
                    )
                plan = pupil_count_import_plan(
                    academie=academie, school_year=known_year, content_bytes=content
                )
                self._print_report(plan.report(filename=path.name))
                self.stdout.write(self.style.WARNING("Aperçu seulement : rien n’a été enregistré."))
                return
            preview = pupil_count_import_preview(
                academie=academie,
                school_year=known_year or school_year,
                filename=path.name,
                content_bytes=content,
                actor=Scope.platform(academie.pk),
            )
            applied = pupil_count_import_apply(
                pupil_count_import=preview, actor=Scope.platform(academie.pk)
            )
        except PupilCountFileError as exc:
            raise CommandError(
                f"Fichier refusé, rien n’a été modifié. {' '.join(exc.messages)}"
            ) from exc
        except PupilCountImportError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self._print_report(applied.report)
        self.stdout.write(self.style.SUCCESS(f"Import d’effectifs n° {applied.pk} appliqué."))

    def _print_report(self, report: dict[str, Any]) -> None:
        counts = report.get("counts", {})
        write = self.stdout.write
        write(f"Jeu de données : {report.get('dataset_label')} ({report.get('dataset')})")
        write(f"Origine enregistrée : {report.get('source')}")
        write(f"Lignes lues : {report.get('total_rows', 0)}")
        write(f"  ajoutés : {counts.get('created', 0)}")
        write(f"  modifiés : {counts.get('changed', 0)}")
        write(f"  inchangés : {counts.get('unchanged', 0)}")
        write(f"  UAI inconnus : {counts.get('unknown', 0)}")
        write(f"  autres académies : {counts.get('other_academie', 0)}")
        write(f"  autres années : {counts.get('other_year', 0)}")
        write(f"  rejetés : {counts.get('rejected', 0)}")
        for row in report.get("changed", [])[:MAX_LISTED]:
            write(
                f"  ligne {row['line']} {row['uai']} {row['name']} : {row['old']} → {row['pupils']}"
            )
        for row in report.get("rejected", [])[:MAX_LISTED]:
            write(f"  ligne {row['line']} ({row['uai'] or 'sans UAI'}) : {row['message']}")
