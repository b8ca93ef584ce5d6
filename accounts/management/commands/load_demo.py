"""`manage.py load_demo`: the demonstration académies, establishments and accounts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.demo import DEMO_PASSWORD, DemoAccount, demo_accounts_present, demo_build
from establishments.models import Academie


class Command(BaseCommand):
    help = (
        "Crée les données de démonstration (académies de Poitiers et de Bordeaux, "
        "établissements, un compte par rôle) et affiche les comptes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Ne rien créer si la base contient déjà une académie.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Academie.objects.exists():
            accounts = demo_accounts_present()
            if not accounts:
                self.stdout.write(
                    "La base contient déjà des académies : données de démonstration non "
                    "chargées, aucun compte de démonstration présent."
                )
                return
            self.stdout.write(
                "La base contient déjà des académies : rien n’a été créé. "
                "Comptes de démonstration présents :"
            )
            self._print_accounts(accounts)
            return

        report = demo_build()
        if report.created_anything:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Démonstration chargée : {report.academies_created} académie(s), "
                    f"{report.establishments_created} établissement(s), "
                    f"{report.users_created} compte(s), {report.memberships_created} rôle(s) "
                    "créés."
                )
            )
        else:
            self.stdout.write("Les données de démonstration étaient déjà présentes.")
        self._print_accounts(report.accounts)

    def _print_accounts(self, accounts: list[DemoAccount]) -> None:
        headers = ("Rôle", "Académie", "Adresse électronique")
        rows = [(a.role, a.academie, a.email) for a in accounts]
        widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(3)]
        line = "  ".join("-" * w for w in widths)
        self.stdout.write("")
        for row in [headers, *rows]:
            cells = (c.ljust(w) for c, w in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
            if row is headers:
                self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(
            f"Mot de passe de tous ces comptes (sauf s’il a été changé depuis) : {DEMO_PASSWORD}"
        )
