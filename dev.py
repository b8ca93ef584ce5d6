#!/usr/bin/env python3
"""The two commands a developer needs, with nothing but Python 3.11+ installed.

    python3 dev.py run     # virtualenv, migrations, demo data, server on http://127.0.0.1:8000
    python3 dev.py test    # virtualenv, then ruff, ruff format --check, mypy and pytest

Extra arguments after `test` go to pytest (`python3 dev.py test -k invitation -x`).
Without DATABASE_URL/REDIS_URL the project uses SQLite and runs Celery tasks on the spot
("eager"); with them, PostgreSQL and Redis. This file uses the standard library only: it runs
before the virtualenv exists.
"""

# ruff: noqa: S603  (commands are built here from fixed parts, never from outside input)
from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import venv
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".pyproject.sha256"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
CHROMIUM = Path("/usr/bin/chromium")
HOST, PORT = "127.0.0.1", 8000

USAGE = """Usage :
  python3 dev.py run    prépare l’environnement, la base et la démo, puis lance le serveur
  python3 dev.py test   prépare l’environnement puis lance ruff, mypy et pytest
                        (les arguments suivants sont passés à pytest)"""


def say(message: str = "") -> None:
    print(message, flush=True)


def step(message: str) -> None:
    say(f"==> {message}")


class Failure(Exception):
    """A step failed; its message says which, in French."""


# --- Environment ---------------------------------------------------------------------------


def pyproject_hash() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_virtualenv() -> None:
    """Create .venv if needed and install the project whenever pyproject.toml has changed."""
    if not PYTHON.exists():
        step(f"Création de l’environnement virtuel {VENV.relative_to(ROOT)}")
        venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    wanted = pyproject_hash()
    installed = STAMP.read_text().strip() if STAMP.exists() else ""
    if installed == wanted:
        step("Dépendances à jour (pyproject.toml inchangé depuis la dernière installation)")
        return
    step("Installation des dépendances (pyproject.toml nouveau ou modifié)")
    run([PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", ".[dev]"])
    STAMP.write_text(wanted + "\n")


def run(command: list[str | Path], *, env: dict[str, str] | None = None) -> None:
    if subprocess.call([str(c) for c in command], cwd=ROOT, env=env) != 0:
        raise Failure(f"échec de : {' '.join(str(c) for c in command)}")


def manage(*args: str) -> list[str | Path]:
    return [PYTHON, ROOT / "manage.py", *args]


def tool(name: str) -> Path:
    return BIN / (f"{name}.exe" if os.name == "nt" else name)


# --- What the run talks to -----------------------------------------------------------------


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def describe_services(*, testing: bool) -> None:
    """Say which database, broker and mailbox this run uses, before doing anything."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url:
        if testing:
            database = "SQLite (base de test en mémoire ; DATABASE_URL non défini)"
        else:
            var_dir = os.environ.get("RUPN_VAR_DIR", "var")
            database = f"SQLite, fichier {var_dir}/rupn.sqlite3 (DATABASE_URL non défini)"
    else:
        scheme = urlsplit(database_url).scheme
        vendor = "PostgreSQL" if scheme.startswith("postgres") else scheme
        database = f"{vendor}, {without_password(database_url)}"
        if testing and vendor == "PostgreSQL":
            name = urlsplit(database_url).path.lstrip("/")
            database += f" (les tests créent et utilisent la base test_{name})"
        if vendor == "PostgreSQL" and not reachable(database_url, 5432):
            database += " — INJOIGNABLE"
    if not redis_url:
        broker = "aucun : tâches Celery exécutées sur place (eager ; REDIS_URL non défini)"
    else:
        broker = f"Redis, {without_password(redis_url)}"
        if not reachable(redis_url, 6379):
            broker += " — INJOIGNABLE"
    email_url = os.environ.get("EMAIL_URL", "")
    mail = (
        f"serveur SMTP {without_password(email_url)}" if email_url else "fichiers dans var/emails/"
    )
    say(f"Base de données : {database}")
    say(f"Broker Celery   : {broker}")
    if not testing:  # tests keep their emails in memory (django.core.mail.outbox)
        say(f"Courriels       : {mail}")
        if redis_url:
            say(
                "Tâches Celery   : elles attendent un worker, à lancer dans un autre terminal : "
                f"{tool('celery').relative_to(ROOT)} -A rupn worker -l INFO"
            )
    if testing:
        if CHROMIUM.exists():
            say(f"Navigateur      : {CHROMIUM} (tests navigateur exécutés)")
        else:
            say(f"Navigateur      : {CHROMIUM} absent, les tests marqués browser seront ignorés")
        if os.environ.get("CI", "").lower() == "true":
            say("CI=true         : un service manquant fait échouer ses tests, sans les ignorer")
    say()


# --- Commands ------------------------------------------------------------------------------


def command_run(args: list[str]) -> int:
    describe_services(testing=False)
    ensure_virtualenv()
    step("Migrations")
    run(manage("migrate", "--noinput"))
    step("Données de démonstration (chargées seulement si la base n’a aucune académie)")
    run(manage("load_demo", "--if-empty"))
    step(f"Serveur de développement sur http://{HOST}:{PORT}/ (Ctrl+C pour arrêter)")
    # runserver's autoreloader serves from a child process: the server gets a process group of
    # its own, and Ctrl+C or SIGTERM here stops the whole group, then waits for it.
    process = subprocess.Popen(
        [str(c) for c in manage("runserver", f"{HOST}:{PORT}", *args)],
        start_new_session=os.name != "nt",
    )
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        code = process.wait()
    except (KeyboardInterrupt, Stop):
        stop_server(process)
        say("Serveur arrêté.")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0 if code in (0, -signal.SIGINT, -signal.SIGTERM, 130) else code


class Stop(Exception):
    """SIGTERM received."""


def _raise_stop(signum: int, frame: object) -> None:
    raise Stop


def stop_server(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM to the server's process group (the reloader and its child), then SIGKILL if
    it is still there after `timeout` seconds."""
    if process.poll() is not None:
        return
    if os.name == "nt":
        process.terminate()
    else:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        if os.name != "nt":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait()


def command_test(args: list[str]) -> int:
    describe_services(testing=True)
    ensure_virtualenv()
    checks: list[tuple[str, list[str | Path]]] = [
        ("ruff check", [tool("ruff"), "check", "."]),
        ("ruff format --check", [tool("ruff"), "format", "--check", "."]),
        ("mypy", [tool("mypy"), "."]),
        ("migrations à jour", manage("makemigrations", "--check", "--dry-run")),
        ("pytest", [PYTHON, "-m", "pytest", *args]),
    ]
    results: list[tuple[str, int]] = []
    for name, command in checks:
        step(name)
        code = subprocess.call([str(c) for c in command], cwd=ROOT)
        if name == "pytest" and code == 5:
            say("pytest n’a exécuté aucun test : c’est un échec.")
        results.append((name, code))
    say()
    say("Résumé :")
    for name, code in results:
        say(f"  {'OK   ' if code == 0 else 'ÉCHEC'}  {name}" + (f" (code {code})" if code else ""))
    failed = [name for name, code in results if code != 0]
    if failed:
        say(f"Échec : {', '.join(failed)}.")
        return 1
    say("Tout est passé.")
    return 0


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036  (run by whatever python3 the machine has)
        version = sys.version.split()[0]
        say(f"Python 3.11 ou plus récent est nécessaire (version actuelle : {version}).")
        return 2
    if not argv or argv[0] not in {"run", "test"}:
        say(USAGE)
        return 2
    if not (ROOT / "pyproject.toml").exists():
        say(f"pyproject.toml introuvable dans {ROOT} : dev.py doit rester à la racine du dépôt.")
        return 2
    try:
        if argv[0] == "run":
            return command_run(argv[1:])
        return command_test(argv[1:])
    except Failure as failure:
        say(f"ÉCHEC : {failure}")
        return 1
    except KeyboardInterrupt:
        say("Interrompu.")
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
