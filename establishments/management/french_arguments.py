"""French messages for the argument errors of the import commands (argparse speaks English)."""

from __future__ import annotations

import re
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

_PATTERNS = [
    (
        re.compile(r"^the following arguments are required: (.+)$"),
        "argument obligatoire manquant : {}",
    ),
    (re.compile(r"^unrecognized arguments: (.+)$"), "argument inconnu : {}"),
    (re.compile(r"^argument (.+): expected one argument$"), "l’option {} attend une valeur"),
    (re.compile(r"^argument (.+): invalid choice: (.+)$"), "l’option {} n’accepte pas {}"),
    (
        re.compile(r"^argument (.+): invalid (\w+) value: (.+)$"),
        "l’option {} : valeur {} invalide : {}",
    ),
]


def french_argument_error(message: str) -> str:
    for pattern, french in _PATTERNS:
        match = pattern.match(message)
        if match:
            return french.format(*match.groups())
    return f"arguments invalides ({message})"


class FrenchArgumentsMixin(BaseCommand):
    """Argument errors in French, from the shell as from `call_command`."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str) -> Any:
            french = french_argument_error(message)
            if not parser.called_from_command_line:
                raise CommandError(f"Erreur : {french}. Voir --help.")
            parser.print_usage(sys.stderr)
            parser.exit(2, f"{parser.prog} : erreur : {french}. Voir --help.\n")

        parser.error = error  # type: ignore[method-assign]
        return parser
