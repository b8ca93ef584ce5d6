"""`manage.py load_demo`: the demonstration académies, establishments and accounts."""

from __future__ import annotations

import importlib.util
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.module_loading import import_string

from accounts.demo import ACADEMIES, DEMO_PASSWORD, DemoAccount, demo_accounts_present, demo_build
from establishments.models import Academie, SchoolYear
from tenancy.guard import academie_scope, scopes_disabled

# What other apps add to the demonstration once académies, establishments and accounts exist,
# in this order. Each is called as hook(academie=…, school_years=[previous, current]) for both
# demo académies and must add nothing when run again.
DEMO_HOOKS = (
    "missions.seal.ensure_demo_seals",
    "indemnities.demo_rules.load_demo_rules",
    "indemnities.demo_allocations.load_demo_allocations",
    "missions.demo.load_demo_templates",
    "missions.demo_letters.load_demo_letters",
    "surveys.demo.load_demo_surveys",
)


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
            with scopes_disabled():  # the demo accounts of every académie
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

        # All or nothing: a failed hook leaves no half demo that --if-empty would then keep.
        # The demo builds several académies at once: the tenancy guard is off for it, and on
        # again, académie by académie, for what the apps add.
        with transaction.atomic():
            with scopes_disabled():
                report = demo_build()
            hooks = self._run_hooks()
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
        if hooks:
            self.stdout.write(f"Compléments (ajoutés s’ils manquaient) : {', '.join(hooks)}.")
        self._print_accounts(report.accounts)

    def _run_hooks(self) -> list[str]:
        current = SchoolYear.objects.current()
        previous = SchoolYear.objects.get(start_year=current.start_year - 1)
        academies = list(Academie.objects.filter(code__in=[spec.code for spec in ACADEMIES]))
        done = []
        for path in DEMO_HOOKS:
            if importlib.util.find_spec(path.rsplit(".", 1)[0]) is None:
                continue  # that app has no demo part (yet)
            hook = import_string(path)
            for academie in academies:
                with academie_scope(academie.pk):
                    hook(academie=academie, school_years=[previous, current])
            done.append(path.rsplit(".", 1)[1])
        return done

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
