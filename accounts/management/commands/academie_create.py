"""`manage.py academie_create <code> --admin <email>`: an académie of the national list."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services_academies import academie_create
from tenancy.guard import academie_scope


class Command(BaseCommand):
    help = (
        "Crée une académie de la liste nationale (code de l’Annuaire de l’éducation, "
        "Poitiers : 13) avec ses départements, et invite son premier administrateur DANE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="code de l’académie (Code_academie), par exemple 14")
        parser.add_argument(
            "--admin",
            required=True,
            metavar="COURRIEL",
            help="adresse électronique du premier administrateur DANE",
        )
        parser.add_argument("--prenom", default="", help="prénom de l’administrateur")
        parser.add_argument("--nom", default="", help="nom de l’administrateur")
        parser.add_argument(
            "--url",
            default=settings.SITE_URL,
            help=f"adresse du service pour le lien d’invitation (par défaut {settings.SITE_URL})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            academie = academie_create(
                code=options["code"],
                admin_email=options["admin"],
                admin_first_name=options["prenom"],
                admin_last_name=options["nom"],
                by=None,
                base_url=options["url"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        with academie_scope(academie.pk):
            count = academie.departements.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"{academie} créée (code {academie.code}, {count} département(s)) ; "
                f"invitation envoyée à {options['admin'].strip().lower()}."
            )
        )
