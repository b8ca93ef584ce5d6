"""`manage.py seal_demo_ca`: a demonstration CA and one sealing certificate per académie."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from establishments.models import Academie
from missions.seal import seal_dir
from missions.seal_demo import NotADemoCa, write_demo_seals


class Command(BaseCommand):
    help = (
        "Écrit dans RUPN_SEAL_DIR une autorité de certification de démonstration (ECDSA P-256, "
        "10 ans) et un certificat de sceau (PKCS#12) par académie de la base. Garde les "
        "fichiers existants, sauf avec --force. Pour le développement et la démonstration "
        "seulement."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="remplacer l’autorité et tous les certificats existants",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        academies = list(Academie.objects.order_by("code"))
        try:
            written = write_demo_seals(academies, force=options["force"])
        except NotADemoCa as exc:
            raise CommandError(str(exc)) from exc
        if not written:
            self.stdout.write(
                f"Les certificats de sceau étaient déjà là ({seal_dir()}) : rien n’a été écrit."
            )
            return
        for path in written:
            self.stdout.write(f"Écrit : {path}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(written)} fichier(s) de sceau écrit(s) pour {len(academies)} académie(s)."
            )
        )
