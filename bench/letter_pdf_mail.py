"""Benchmark of the signed letters' delivery: N issued letters rendered, sealed, stored and
emailed by Celery worker processes to an SMTP server on this machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rupn_x REDIS_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python bench/letter_pdf_mail.py [--count 20000] [--workers 2]

Needs PostgreSQL (the workers are other processes: they share its database, a throw-away
`bench_…` one beside the one DATABASE_URL names) and Redis (their broker: the database number
of REDIS_URL is purged). One letter is issued through the services; the N letters measured are
then inserted in bulk after it, each with its establishment (and official address), principal
and referent, its own signed document and fingerprint, its three signatures and its history, so
that the render reads what it reads for a letter issued by people. An aiosmtpd server counts
what it receives. `--workers` processes `celery worker --pool prefork -c 1` start; once they are
ready, every letter's `render_and_send_letter_pdf` is queued and the clock runs until every
letter has its stored PDF and the server has received every email. Prints the wall time, the
letters per second, the messages received (and any received twice), the emails in error, and
whether the pace meets 20 000 letters in at most 15 minutes with two worker processes.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rupn.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from tenancy.guard import scopes_disabled  # noqa: E402

GOAL_LETTERS = 20_000
GOAL_SECONDS = 15 * 60
RECIPIENTS_PER_LETTER = 3  # the referent, the principal, the establishment's address


def prototype() -> tuple[Any, Any]:
    """One world and one letter issued through the services, its PDF made here (warm-up)."""
    from missions.models import LetterStatus
    from rupn.celery import app
    from tests.factories import POITIERS_DEPARTEMENTS, make_world
    from tests.missions.letters import advance, draft_letter, publish_template

    app.conf.task_always_eager = True
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            world = make_world(name="Poitiers", code="13", departements=POITIERS_DEPARTEMENTS)
            publish_template(world)
            letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    finally:
        app.conf.task_always_eager = False
    return world, letter


def uais(departements: list[str], count: int) -> Iterator[str]:
    """Distinct valid UAIs: serials below 5000 (the test factories use those above)."""
    from establishments.uai import make_uai

    prefixes = departements + [f"9{n:02d}" for n in range(100)]
    for i in range(count):
        yield make_uai(f"{int(prefixes[i // 5000]):03d}", i % 5000)


def clone_letters(world: Any, model: Any, count: int) -> list[int]:
    """`count` issued letters like `model`, each in its own establishment, in bulk."""
    from accounts.models import Membership, Role, User
    from audit.models import AuditEvent
    from establishments.models import Establishment
    from missions.document import LetterFacts, build_document, document_sha256, signed_text
    from missions.models import Letter, LetterSignature, LetterStatus, SignatureKind
    from missions.selectors_letters import templates_with_parts
    from missions.services_letters import new_reference

    batch = 2000
    academie, year = world.academie, model.school_year
    departements = list(academie.departements.order_by("code"))
    template = templates_with_parts([model.template_id])[model.template_id]
    schools = Establishment.objects.bulk_create(
        (
            Establishment(
                academie=academie,
                uai=uai,
                name=f"Collège n° {i}",
                type="college",
                sector="public",
                departement=departements[i % len(departements)],
                commune=f"Commune {i}",
                email=f"ce.{i}@bench.test",
            )
            for i, uai in enumerate(uais([d.code for d in departements], count))
        ),
        batch_size=batch,
    )
    chefs = User.objects.bulk_create(
        (
            User(email=f"chef{i}@bench.test", first_name="Claude", last_name=f"Chef{i}")
            for i in range(count)
        ),
        batch_size=batch,
    )
    referents = User.objects.bulk_create(
        (
            User(email=f"rupn{i}@bench.test", first_name="Camille", last_name=f"Rupn{i}")
            for i in range(count)
        ),
        batch_size=batch,
    )
    principal_roles = Membership.objects.bulk_create(
        (Membership(user=u, academie=academie, role=Role.PRINCIPAL) for u in chefs),
        batch_size=batch,
    )
    referent_roles = Membership.objects.bulk_create(
        (
            Membership(user=u, academie=academie, role=Role.RUPN, school_year=year)
            for u in referents
        ),
        batch_size=batch,
    )
    through = Membership.establishments.through
    through.objects.bulk_create(
        [
            through(membership_id=m.pk, establishment_id=school.pk)
            for roles in (principal_roles, referent_roles)
            for m, school in zip(roles, schools, strict=True)
        ],
        batch_size=batch,
    )
    letters = []
    for school, chef, referent in zip(schools, principal_roles, referent_roles, strict=True):
        letter = Letter(
            academie=academie,
            establishment=school,
            school_year=year,
            referent=referent,
            template=model.template,
            reference=new_reference(year),
            status=LetterStatus.ISSUED,
            content=model.content,
            revision=model.revision,
            created_by=chef.user,
            updated_by=chef.user,
            sent_at=model.sent_at,
            issued_at=model.issued_at,
        )
        facts = LetterFacts(
            amount=Decimal("1250.00"), principal_name=chef.user.formal_name, coreferents=[]
        )
        document = build_document(letter, template, facts)
        letter.signed_document = signed_text(document)
        letter.signed_sha256 = document_sha256(document)
        letters.append(letter)
    letters = Letter.objects.bulk_create(letters, batch_size=batch)

    # The model's signatures and history, signed and done by each letter's own people.
    signatures = list(LetterSignature.objects.filter(letter=model))
    events = list(
        AuditEvent.objects.filter(target_type="missions.letter", target_id=model.pk).order_by("pk")
    )
    people = {
        model.referent.user_id: "referent",
        world.principal.user_id: "principal",
    }

    def who(user_id: Any, membership_id: Any, i: int) -> tuple[Any, Any]:
        """The user and membership of letter `i` standing where the model's stood."""
        role = people.get(user_id or 0)
        if role == "referent":
            return referent_roles[i].user_id, referent_roles[i].pk
        if role == "principal":
            return principal_roles[i].user_id, principal_roles[i].pk
        return user_id, membership_id

    names: dict[str, list[User]] = {
        SignatureKind.REFERENT.value: referents,
        SignatureKind.PRINCIPAL.value: chefs,
    }
    LetterSignature.objects.bulk_create(
        (
            LetterSignature(
                academie=academie,
                letter=letter,
                kind=s.kind,
                signer_id=who(s.signer_id, s.membership_id, i)[0],
                membership_id=who(s.signer_id, s.membership_id, i)[1],
                role=s.role,
                signer_name=(names[s.kind][i].formal_name if s.kind in names else s.signer_name),
                signed_at=s.signed_at,
                ip_address=s.ip_address,
                user_agent=s.user_agent,
                content_sha256=letter.signed_sha256,
                reauthenticated_with=s.reauthenticated_with,
            )
            for i, letter in enumerate(letters)
            for s in signatures
        ),
        batch_size=batch,
    )
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                academie=academie,
                actor_id=who(e.actor_id, e.actor_membership_id, i)[0],
                actor_membership_id=who(e.actor_id, e.actor_membership_id, i)[1],
                actor_role=e.actor_role,
                verb=e.verb,
                target_type=e.target_type,
                target_id=letter.pk,
                establishment=letter.establishment,
                school_year=year,
                summary=e.summary,
                reason=e.reason,
                before=e.before,
                after=e.after,
                ip=e.ip,
                created_at=e.created_at,
            )
            for i, letter in enumerate(letters)
            for e in events
        ),
        batch_size=batch,
    )
    return [letter.pk for letter in letters]


def check_one(letter_id: int) -> str:
    """Whether a letter made in bulk got a PDF as an issued letter does: sealed, authentic,
    naming its referent, its document matching its fingerprint."""
    import io

    import pypdf

    from missions.document import document_verifies
    from missions.models import Letter, LetterPdf
    from missions.seal import verify_pdf

    letter = Letter.objects.select_related("referent__user").get(pk=letter_id)
    stored = LetterPdf.objects.filter(letter=letter).first()
    if stored is None:
        return "sans PDF"
    pdf = stored.file.read()
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    named = letter.referent.user.last_name in text and letter.reference in text
    authentic = verify_pdf(pdf).authentic
    wrong = [
        what
        for what, right in (
            ("texte", named),
            ("sceau", authentic),
            ("empreinte", document_verifies(letter)),
        )
        if not right
    ]
    return f"FAUSSE ({', '.join(wrong)})" if wrong else "bonne"


@contextmanager
def workers(
    count: int, env: dict[str, str], folder: Path, app: str = "rupn"
) -> Iterator[list[Any]]:
    from tests.worker_processes import WorkerProcess

    started = [
        WorkerProcess(
            app=app,
            name=f"banc-{n + 1}-{os.getpid()}",
            env=env,
            log=folder / f"worker-{n + 1}.log",
            loglevel="WARNING",
        )
        for n in range(count)
    ]
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


def wait_ready(started: list[Any], timeout: float = 90) -> None:
    """Until every worker answers a ping (its pool is up, it consumes)."""
    from rupn.celery import app

    names = {f"{w.name}@" for w in started}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in started:
            if not worker.alive:
                raise SystemExit(f"Le worker {worker.name} s’est arrêté :\n{worker.tail()}")
        replies = app.control.ping(timeout=1.0) or []
        answered = {name.split("@")[0] + "@" for reply in replies for name in reply}
        if names <= answered:
            return
    raise SystemExit("Les workers ne répondent pas :\n" + "\n".join(w.tail() for w in started))


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux /proc): a worker's main process and its pool."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except OSError:  # ended meanwhile
                pass
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """Processor time (user + system) each process has used so far, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    times = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        times[pid] = (int(fields[11]) + int(fields[12])) / tick
    return times


def database_backends() -> list[int]:
    """The PostgreSQL server processes serving the benchmark's database (the workers')."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


class CpuMeter:
    """Processor time used between `start()` and `stop()` by the workers (pool and main
    processes), the PostgreSQL backends of the benchmark's database and this process (the SMTP
    server's thread, the progress queries): a figure that other work on a shared machine does
    not inflate, unlike the wall time. A backend that started meanwhile counts whole."""

    def __init__(self, started: list[Any]) -> None:
        self.started = started

    def _snapshot(self) -> dict[str, dict[int, float]]:
        mains = [w.process.pid for w in self.started]
        pools = [p for pid in mains for p in process_tree(pid) if p != pid]
        return {
            "pool": cpu_seconds(pools),
            "main": cpu_seconds(mains),
            "postgresql": cpu_seconds(database_backends()),
        }

    def start(self) -> None:
        self.before = self._snapshot()
        self.own_before = time.process_time()

    def stop(self) -> dict[str, float]:
        after = self._snapshot()
        used = {
            part: sum(t - self.before[part].get(pid, 0.0) for pid, t in times.items())
            for part, times in after.items()
        }
        used["this"] = time.process_time() - self.own_before
        return used


def run(count: int, processes: int, timeout: float, without_render: bool) -> None:
    from missions.models import LetterEmail, LetterPdf
    from missions.tasks_pdf import render_and_send_letter_pdf
    from rupn.celery import app
    from tests.smtp_server import SmtpServer
    from tests.worker_processes import database_url

    began = time.perf_counter()
    world, model = prototype()
    ids = clone_letters(world, model, count)
    built = time.perf_counter() - began
    print(f"{count} lettres émises préparées en {built:.1f} s (insertions groupées)")

    expected = count * RECIPIENTS_PER_LETTER
    with tempfile.TemporaryDirectory() as folder:
        smtp = SmtpServer(keep=False).start()
        env = {
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": os.environ["REDIS_URL"],
            "EMAIL_URL": f"smtp://{smtp.host}:{smtp.port}",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "RUPN_SEAL_DIR": str(os.environ["RUPN_SEAL_DIR"]),
            "DEBUG": "0",  # as a production worker: no SQL log, no template debugging
        }
        app_name = "rupn"
        if without_render:
            # Every letter gets the model's sealed PDF, made above: the rest is measured.
            sealed = Path(folder) / "modele.pdf"
            sealed.write_bytes(LetterPdf.objects.get(letter=model).file.read())
            env["RUPN_BENCH_PDF"] = str(sealed)
            app_name = "bench.mail_worker_without_render"
        app.control.purge()
        try:
            with workers(processes, env, Path(folder), app_name) as started:
                wait_ready(started)
                meter = CpuMeter(started)
                meter.start()
                start = time.perf_counter()
                for letter_id in ids:
                    render_and_send_letter_pdf.apply_async(
                        kwargs={"academie_id": world.academie.pk, "letter_id": letter_id}
                    )
                queued = time.perf_counter() - start
                last_report = start
                while True:
                    stored = LetterPdf.objects.exclude(letter=model).count()
                    _, with_pdf = smtp.counts()
                    received = sum(with_pdf.values())
                    now = time.perf_counter()
                    if stored >= count and received >= expected:
                        break
                    if now - start > timeout:
                        print(f"Arrêt après {timeout:.0f} s : objectif non atteint.")
                        break
                    if not all(w.alive for w in started):
                        print("Un worker s’est arrêté :\n" + "\n".join(w.tail() for w in started))
                        break
                    if now - last_report >= 30:
                        last_report = now
                        print(
                            f"  {now - start:6.0f} s : {stored} PDF rangés, "
                            f"{received} courriels reçus ({stored / (now - start):.1f} lettres/s)"
                        )
                    time.sleep(0.5)
                elapsed = time.perf_counter() - start
                cpu = meter.stop()
                load = os.getloadavg()
                time.sleep(2)  # a copy sent twice would arrive now
            check = "sans objet" if without_render else check_one(ids[-1])
        finally:
            smtp.stop()
    _, with_pdf = smtp.counts()
    received = sum(with_pdf.values())
    twice = sum(n - 1 for n in with_pdf.values() if n > 1)
    stored = LetterPdf.objects.exclude(letter=model).count()
    errors = LetterEmail.objects.filter(letter_id__in=ids).exclude(error="").count()
    rate = stored / elapsed if elapsed else 0.0
    print()
    print(
        f"Envoi des lettres signées – {count} lettres, {processes} processus worker "
        f"(prefork, -c 1), base {connection.vendor}, Redis, SMTP local"
    )
    print(f"{'mise en file des tâches':<34}{queued:>10.1f} s")
    print(f"{'durée totale (file → dernier courriel)':<34}{elapsed:>10.1f} s")
    print(f"{'lettres par seconde':<34}{rate:>10.2f}")
    print(f"{'PDF rangés':<34}{stored:>10} / {count}")
    print(f"{'courriels reçus avec le PDF':<34}{received:>10} / {expected}")
    print(f"{'reçus deux fois':<34}{twice:>10}")
    print(f"{'courriels en erreur':<34}{errors:>10}")
    print(f"{'contrôle de la dernière lettre':<34}{check:>10}")
    print(f"{'charge de la machine (1, 5, 15 min)':<38}{'  '.join(f'{x:.2f}' for x in load)}")
    print("temps processeur par lettre (ms) :")
    parts = {
        "pool": "workers, processus du pool",
        "main": "workers, processus principal",
        "postgresql": "PostgreSQL (la base du banc)",
        "this": "ce processus (SMTP, suivi)",
    }
    for part, label in parts.items():
        print(f"  {label:<32}{1000 * cpu[part] / max(stored, 1):>10.1f}")
    per_letter = sum(cpu.values()) / max(stored, 1)
    print(f"  {'total (hors Redis)':<32}{1000 * per_letter:>10.1f}")
    if per_letter:
        free = GOAL_LETTERS * per_letter / processes
        print(
            f"{processes} cœurs libres à ce coût : {processes / per_letter:.1f} lettres/s, "
            f"20 000 lettres en {free / 60:.1f} min"
        )
    projected = GOAL_LETTERS / rate if rate else float("inf")
    verdict = "oui" if projected <= GOAL_SECONDS and not twice and not errors else "non"
    complete = stored >= count and received >= expected
    basis = (
        "mesuré"
        if complete and count >= GOAL_LETTERS
        else f"projeté depuis {stored} lettres traitées"
    )
    print(
        f"20 000 lettres en 15 minutes au plus avec {processes} processus : {verdict} "
        f"({basis} : {projected / 60:.1f} min)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=GOAL_LETTERS, help="lettres (20000)")
    parser.add_argument("--workers", type=int, default=2, help="processus worker (2)")
    parser.add_argument(
        "--timeout", type=float, default=3600, help="arrêt au-delà de tant de secondes (3600)"
    )
    parser.add_argument(
        "--without-render",
        action="store_true",
        help="rendu et sceau remplacés par le PDF de la lettre modèle : le coût du reste",
    )
    options = parser.parse_args()
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        raise SystemExit(
            "Ce banc demande PostgreSQL (DATABASE_URL) et Redis (REDIS_URL) : les workers sont "
            "d’autres processus, qui partagent la base et la file."
        )
    logging.getLogger("celery").setLevel(logging.WARNING)
    original = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{original}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with (
            tempfile.TemporaryDirectory() as seals,
            override_settings(RUPN_SEAL_DIR=seals, MEDIA_ROOT=Path(seals) / "media"),
            scopes_disabled(),  # the benchmark builds its académie directly
        ):
            os.environ["RUPN_SEAL_DIR"] = seals  # the workers read the same certificates
            run(options.count, options.workers, options.timeout, options.without_render)
    finally:
        connection.close()
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
